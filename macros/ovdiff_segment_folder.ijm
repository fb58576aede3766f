// OVDiff: segment every image of a folder against the classes of a prototype bank; per image, save the label image
// (NAME-labels.tif, 16-bit, class names in its "class names" property) and the class table (NAME.csv: label, class,
// pixels, area in calibrated units).
//   In Fiji:       Plugins > Macros > Run..., or
//                  ImageJ-linux64 --headless --console -macro ovdiff_segment_folder.ijm "input=[/data/in] output=[/data/out] bank=[/data/bank]"
//   Without Fiji:  java -jar diffseg.jar macro macros/ovdiff_segment_folder.ijm "input=[/data/in] output=[/data/out] bank=[/data/bank]"
// Arguments: input, output, bank (a folder built with "OVDiff Build Vocabulary..."; when left out, a quick demo
// bank of "cell;nucleus" is built in output/bank), model (optional: the one the bank was built with), classes
// (optional: default every class in the bank), clip and dino (optional: the CLIP and DINO folders the bank was built
// with; CLIP also filters the classes per image, and a class it removes keeps its label with 0 pixels).
//
// test: file cells-labels.tif
// test: file cells.csv
// test: log ^cells.tif: 3 labels \(background;cell;nucleus\)
args = getArgument();
input = call("ij.Macro.getValue", args, "input", "");
output = call("ij.Macro.getValue", args, "output", "");
bank = call("ij.Macro.getValue", args, "bank", "");
model = call("ij.Macro.getValue", args, "model", "");
classes = call("ij.Macro.getValue", args, "classes", "");
clip = call("ij.Macro.getValue", args, "clip", "");
dino = call("ij.Macro.getValue", args, "dino", "");
if (input == "" || output == "") exit("give the folders: input=[folder] output=[folder]");
modelKey = "";
if (model != "") modelKey = " model=[" + model + "]";
if (clip != "") modelKey = modelKey + " clip=[" + clip + "]";
if (dino != "") modelKey = modelKey + " dino=[" + dino + "]";
if (bank == "") {
	bank = output + File.separator + "bank";
	run("OVDiff Build Vocabulary...", "classes=[cell;nucleus] bank=[" + bank + "] support_images=2 steps=2 seed=42" + modelKey);
}
setBatchMode(true);
files = getFileList(input);
for (i = 0; i < files.length; i++) {
	name = files[i];
	if (File.isDirectory(input + File.separator + name) || startsWith(name, ".")) continue;
	open(input + File.separator + name);
	original = getTitle();
	base = File.getNameWithoutExtension(name);
	run("OVDiff Segment...", "bank=[" + bank + "] classes=[" + classes + "] score_maps=false add_rois=true" + modelKey);
	saveAs("Tiff", output + File.separator + base + "-labels.tif");
	print(name + ": " + nResults + " labels (" + Property.get("class names") + ")");
	saveAs("Results", output + File.separator + base + ".csv");
	close("*");
}
