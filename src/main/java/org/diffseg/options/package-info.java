/**
 * The command-line options of the use cases, each declared once as a picocli mixin that both front-ends with flags
 * mix in: the {@code diffseg} commands ({@code org.diffseg.cli}) and the Spark jobs ({@code org.diffseg.spark}).
 * Defaults come from the settings objects of {@code org.diffseg.task} (and the engines' builders); each group turns
 * its options into those settings, so that a flag means the same in a terminal and on a cluster.
 * <p>
 * The groups are {@link java.io.Serializable}: a Spark job travels to its executors with its options. Folders are
 * therefore held as text and handed out as {@link java.nio.file.Path}s. {@link CommandLines} is the entry point
 * both front-ends share (exit codes, one-line errors).
 */
package org.diffseg.options;
