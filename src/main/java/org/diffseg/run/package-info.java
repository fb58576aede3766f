/**
 * What every layer shares about running a computation: one {@link org.diffseg.run.ProgressListener}, one
 * {@link org.diffseg.run.CancelToken} and one typed failure, {@link org.diffseg.run.DiffSegException}, that carries
 * the cause and the fix in neutral words. Engines (peekaboo, ovdiff, img) throw it; the use cases of
 * {@code org.diffseg.task} pass the listener and the token down; each front-end (command line, Fiji) words the failure
 * for its users. Depends on nothing else in DiffSeg.
 * <p>
 * <b>One progress interface, one cancel mechanism</b> (issue 15 item 3, modelled on SciJava's {@code Cancelable}):
 * <ul>
 * <li>Every long computation (Stable Diffusion sampling, OVDiff's support sets, prototypes and windows, Peekaboo's
 * iterations, an evaluation, training) takes a {@code ProgressListener} and reports ("stage", done, total) to it. A
 * listener only shows progress: it returns nothing and cannot stop the run.</li>
 * <li>Every such computation takes the run's {@code CancelToken} and checks it between steps; cancelled, it throws
 * {@link java.util.concurrent.CancellationException}, returns no result and leaves no output. There are no
 * boolean-returning listeners, no {@code cancel()} methods on engines and no cancel callbacks of their own: a front-end
 * cancels the token (Fiji's task list and Esc through {@code FijiProgress}; a shutdown hook; a cluster job) and the
 * token reaches every loop. (Training is the one run that, cancelled, keeps its last checkpoint and returns an
 * unfinished result instead: it is made to be resumed.)</li>
 * <li>Data an engine produces per step is neither progress nor control. Where a front-end shows it, it is part of the
 * result (Peekaboo's loss and mean alpha per iteration and prompt: {@code Peekaboo.Segmentation#losses()},
 * {@code #meanAlpha()}) or, when it must be seen while the run goes on, a typed observer of records that cannot stop
 * the run ({@code org.diffseg.train.TrainingLog}: each step's loss and rate, status lines).</li>
 * </ul>
 */
package org.diffseg.run;
