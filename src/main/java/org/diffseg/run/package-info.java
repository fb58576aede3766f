/**
 * What every layer shares about running a computation: one {@link org.diffseg.run.ProgressListener}, one
 * {@link org.diffseg.run.CancelToken} and one typed failure, {@link org.diffseg.run.DiffSegException}, that carries
 * the cause and the fix in neutral words. Engines (peekaboo, ovdiff, img) throw it; the use cases of
 * {@code org.diffseg.task} pass the listener and the token down; each front-end (command line, Fiji) words the failure
 * for its users. Depends on nothing else in DiffSeg.
 */
package org.diffseg.run;
