/**
 * The headless use cases of DiffSeg, once: each takes a {@link org.diffseg.task.SourceImage} (an image with its
 * calibration, all its planes and channels, and which of them to use), a settings object whose builder holds the
 * defaults in one place, a {@link org.diffseg.run.ProgressListener} and a {@link org.diffseg.run.CancelToken}, and
 * returns a result object (label images, alpha maps, masks, ROIs, tables, explanations). The command line, the Fiji
 * commands and macros, and cluster jobs only translate their options into settings and show or save the results.
 * <p>
 * Layers: {@code cli}, {@code fiji} (and {@code spark}) use this package; it uses the engines ({@code peekaboo},
 * {@code ovdiff}) and {@code img}, {@code sd}, {@code vit}; nothing here refers to a front-end.
 */
package org.diffseg.task;
