// Peekaboo: segment an image from text prompts (Plugins > DiffSeg > Peekaboo Segment...): one alpha map, mask and
// ROI per prompt.
//   In Fiji:       open an image, then Plugins > Macros > Run... and choose this file.
//   Headless Fiji: ImageJ-linux64 --headless --console -macro peekaboo_segment.ijm "input=[/data/cells.tif] output=[/data/out]"
//   Without Fiji:  java -jar diffseg.jar macro macros/peekaboo_segment.ijm "input=[/data/cells.tif] output=[/data/out]"
// Argument keys, all optional:
//   input      an image file, or a folder (its first image); without it, the current image
//   output     a folder to save alpha.tif (32-bit, one slice per prompt) and mask.tif (0/255, ROIs as overlay) into
//   prompts    what to segment, separated by ';' (default: a cell; background)
//   model      a Stable Diffusion folder (default: the one chosen in Model Manager, else the shipped model)
//   iterations, size   default 3 and 32: a quick trial that runs in seconds; the paper uses iterations=300 size=256
//
// test: log ^prompts: a cell; background$
// test: log ^alpha: 64x48, 2 slices, 32-bit, labels a cell \| background$
// test: log ^mask: 64x48, 2 slices, 8-bit$
// test: file alpha.tif
// test: file mask.tif

arg = getArgument();
input = call("ij.Macro.getValue", arg, "input", "");
output = call("ij.Macro.getValue", arg, "output", "");
prompts = call("ij.Macro.getValue", arg, "prompts", "a cell; background");
model = call("ij.Macro.getValue", arg, "model", "");
iterations = call("ij.Macro.getValue", arg, "iterations", "3");
size = call("ij.Macro.getValue", arg, "size", "32");

if (input != "") {
	if (File.isDirectory(input)) {
		files = getFileList(input);
		first = "";
		for (i = 0; i < files.length && first == ""; i++)
			if (matches(toLowerCase(files[i]), ".*\\.(tif|tiff|png|jpg|jpeg|gif|bmp)$")) first = files[i];
		if (first == "") exit("no image file in " + input);
		input = input + File.separator + first;
	}
	open(input);
}
if (nImages == 0) exit("open an image first, or give input=[an image file]");

options = "prompts=[" + prompts + "] iterations=" + iterations + " size=" + size;
if (model != "") options = options + " model=[" + model + "]";
run("Peekaboo Segment...", options);

// the masks are the current image now; the alpha maps are open under "alpha - " and the prompts
mask = getTitle();
print("prompts: " + prompts);
print("mask: " + getWidth() + "x" + getHeight() + ", " + nSlices + " slices, " + bitDepth() + "-bit");
selectImage("alpha - " + substring(mask, lengthOf("mask - ")));
labels = "";
for (s = 1; s <= nSlices; s++) {
	setSlice(s);
	labels = labels + getInfo("slice.label");
	if (s < nSlices) labels = labels + " | ";
}
print("alpha: " + getWidth() + "x" + getHeight() + ", " + nSlices + " slices, " + bitDepth() + "-bit, labels " + labels);
if (output != "") {
	saveAs("Tiff", output + File.separator + "alpha.tif");
	selectImage(mask);
	saveAs("Tiff", output + File.separator + "mask.tif");
}
