package org.diffseg.synth;

import java.nio.file.Path;

/** An annotated object as read from {@code scenes.json}: its prompt and the path of its 0/255 mask image. */
public record LabelledObject(String prompt, Path mask) {}
