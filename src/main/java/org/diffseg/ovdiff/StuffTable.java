package org.diffseg.ovdiff;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a class is a "thing" (a countable object: its support images' surroundings make good background
 * prototypes) or "stuff" (an amorphous region such as sky or grass: always kept, no background prototypes, and it
 * filters other classes' background prototypes). Built in: PASCAL VOC (20 things), PASCAL Context (59 classes, with
 * the verdicts of the authors' table, which their results were obtained with), COCO (80 things) and COCO-Stuff
 * (91 stuff classes, also under their names without the "-other"/"-stuff" suffix). Where lists disagree on a name the
 * first of that order wins (so "tree" and "table" are things, as in the authors' table). Unknown names are things:
 * most names users type are objects, and treating a stuff class as a thing only costs the stuff filter. Users
 * override any name with {@link #with}.
 */
public final class StuffTable {
	public static final List<String> VOC = List.of("aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car",
		"cat", "chair", "cow", "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa",
		"train", "tvmonitor");
	/** The spellings the authors prompt with instead of VOC's (appendix C.3). */
	public static final List<String> VOC_PROMPT_NAMES = List.of("airplane", "table", "potted plant", "monitor",
		"dining table", "tv monitor");
	public static final List<String> CONTEXT = List.of("aeroplane", "bag", "bed", "bedclothes", "bench", "bicycle",
		"bird", "boat", "book", "bottle", "building", "bus", "cabinet", "car", "cat", "ceiling", "chair", "cloth",
		"computer", "cow", "cup", "curtain", "dog", "door", "fence", "floor", "flower", "food", "grass", "ground",
		"horse", "keyboard", "light", "motorbike", "mountain", "mouse", "person", "plate", "platform", "pottedplant",
		"road", "rock", "sheep", "shelves", "sidewalk", "sign", "sky", "snow", "sofa", "table", "track", "train", "tree",
		"truck", "tvmonitor", "wall", "water", "window", "wood");
	/** The PASCAL Context classes the authors' table calls stuff. */
	public static final List<String> CONTEXT_STUFF = List.of("bedclothes", "ceiling", "cloth", "curtain", "fence",
		"floor", "grass", "ground", "mountain", "platform", "road", "rock", "sidewalk", "sky", "snow", "track", "wall",
		"water", "wood");
	public static final List<String> COCO_THINGS = List.of("person", "bicycle", "car", "motorcycle", "airplane",
		"bus", "train", "truck", "boat", "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird",
		"cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella",
		"handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite", "baseball bat",
		"baseball glove", "skateboard", "surfboard", "tennis racket", "bottle", "wine glass", "cup", "fork", "knife",
		"spoon", "bowl", "banana", "apple", "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut",
		"cake", "chair", "couch", "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote",
		"keyboard", "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase",
		"scissors", "teddy bear", "hair drier", "toothbrush");
	public static final List<String> COCO_STUFF = List.of("banner", "blanket", "branch", "bridge", "building-other",
		"bush", "cabinet", "cage", "cardboard", "carpet", "ceiling-other", "ceiling-tile", "cloth", "clothes", "clouds",
		"counter", "cupboard", "curtain", "desk-stuff", "dirt", "door-stuff", "fence", "floor-marble", "floor-other",
		"floor-stone", "floor-tile", "floor-wood", "flower", "fog", "food-other", "fruit", "furniture-other", "grass",
		"gravel", "ground-other", "hill", "house", "leaves", "light", "mat", "metal", "mirror-stuff", "moss",
		"mountain", "mud", "napkin", "net", "paper", "pavement", "pillow", "plant-other", "plastic", "platform",
		"playingfield", "railing", "railroad", "river", "road", "rock", "roof", "rug", "salad", "sand", "sea", "shelf",
		"sky-other", "skyscraper", "snow", "solid-other", "stairs", "stone", "straw", "structural-other", "table",
		"tent", "textile-other", "towel", "tree", "vegetable", "wall-brick", "wall-concrete", "wall-other",
		"wall-panel", "wall-stone", "wall-tile", "wall-wood", "water-other", "waterdrops", "window-blind",
		"window-other", "wood");

	private static final StuffTable BUILT_IN = buildBuiltIn();

	private final Map<String, Boolean> stuff;

	private StuffTable(Map<String, Boolean> stuff) {
		this.stuff = stuff;
	}

	public static StuffTable builtIn() {
		return BUILT_IN;
	}

	private static StuffTable buildBuiltIn() {
		Map<String, Boolean> m = new HashMap<>();
		for (String n : VOC) m.putIfAbsent(n, false);
		for (String n : VOC_PROMPT_NAMES) m.putIfAbsent(n, false);
		for (String n : CONTEXT) m.putIfAbsent(n, CONTEXT_STUFF.contains(n));
		for (String n : COCO_THINGS) m.putIfAbsent(n, false);
		for (String n : COCO_STUFF) m.putIfAbsent(n, true);
		for (String n : COCO_STUFF) m.putIfAbsent(n.replaceAll("-(other|stuff)$", ""), true);
		return new StuffTable(Map.copyOf(m));
	}

	/** This table with one class's verdict set by the user. */
	public StuffTable with(String name, boolean isStuff) {
		Map<String, Boolean> m = new HashMap<>(stuff);
		m.put(ClassNames.key(name), isStuff);
		return new StuffTable(Map.copyOf(m));
	}

	/** Whether the table knows the name, and its verdict. */
	public Optional<Boolean> lookup(String name) {
		return Optional.ofNullable(stuff.get(ClassNames.key(name)));
	}

	/** Stuff or thing; unknown names are things. */
	public boolean isStuff(String name) {
		return lookup(name).orElse(false);
	}
}
