// Peekaboo over a folder: segments every image of the input folder (every plane of stacks) and saves, per image,
// NAME_alpha.tif (32-bit, one channel per prompt) and NAME_mask.tif (0/255, the ROIs as overlay) into the output folder.
//   In Fiji:       Plugins > Macros > Run... and choose this file (it asks for the folders).
//   Headless Fiji: ImageJ-linux64 --headless --console -macro peekaboo_batch.ijm "input=[/data/in] output=[/data/out] prompts=[a cell] iterations=300 size=256"
//   Without Fiji:  java -jar diffseg.jar macro macros/peekaboo_batch.ijm "input=[/data/in] output=[/data/out] prompts=[a cell] iterations=300 size=256"
// Argument keys: input and output (folders; asked for when missing), and optionally
//   prompts    what to segment, separated by ';' (default: a cell; background)
//   model      a Stable Diffusion folder (default: the one chosen in Model Manager, else the shipped model)
//   device     auto, cpu or gpu (default: auto)
//   iterations, size   default 3 and 32: a quick trial that runs in seconds; the paper uses iterations=300 size=256
// The model is loaded once and reused for every image.
//
// test: log ^cells\.tif: 2 prompt\(s\), 64x48$
// test: log ^1 image\(s\) segmented
// test: file cells_alpha.tif
// test: file cells_mask.tif

arg = getArgument();
input = call("ij.Macro.getValue", arg, "input", "");
output = call("ij.Macro.getValue", arg, "output", "");
prompts = call("ij.Macro.getValue", arg, "prompts", "a cell; background");
model = call("ij.Macro.getValue", arg, "model", "");
device = call("ij.Macro.getValue", arg, "device", "auto");
iterations = call("ij.Macro.getValue", arg, "iterations", "3");
size = call("ij.Macro.getValue", arg, "size", "32");
if (input == "") input = getDirectory("Choose the folder of images to segment");
if (output == "") output = getDirectory("Choose the folder to save the results into");

options = "prompts=[" + prompts + "] iterations=" + iterations + " size=" + size + " device=" + device +
	" all_planes=true add_rois=false";
if (model != "") options = options + " model=[" + model + "]";

setBatchMode(true);
files = getFileList(input);
done = 0;
for (i = 0; i < files.length; i++) {
	name = files[i];
	if (!matches(toLowerCase(name), ".*\\.(tif|tiff|png|jpg|jpeg|gif|bmp)$")) continue;
	open(input + File.separator + name);
	image = getTitle();
	base = File.getNameWithoutExtension(name);
	run("Peekaboo Segment...", options);
	mask = getTitle();
	getDimensions(width, height, channels, slices, frames);
	saveAs("Tiff", output + File.separator + base + "_mask.tif");
	selectImage("alpha - " + substring(mask, lengthOf("mask - ")));
	saveAs("Tiff", output + File.separator + base + "_alpha.tif");
	print(name + ": " + channels + " prompt(s), " + width + "x" + height);
	close("*");
	done++;
}
setBatchMode(false);
print(done + " image(s) segmented; results in " + output);
