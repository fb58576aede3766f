// OVDiff: build (or extend) a prototype bank for a few classes, to segment with "OVDiff Segment...".
//   In Fiji:       Plugins > Macros > Run..., or
//                  ImageJ-linux64 --headless --console -macro ovdiff_build_vocabulary.ijm "output=[/data/out] model=[/models/sd15]"
//   Without Fiji:  java -jar diffseg.jar macro macros/ovdiff_build_vocabulary.ijm "output=[/data/out]"
// Arguments: output (the bank goes to output/bank), model (optional: the model used last, else the shipped one),
// classes (optional, default "cell;nucleus"), n (support images per class, default 2: a quick demo; use 32 for
// real work), steps (default 3; use 30), clip and dino (optional: CLIP ViT-B/16 and DINO ViT-B/8 folders, e.g. from
// the Model Manager; their prototypes are stored too, for OVDiff's ensemble of three feature extractors).
//
// test: log ^OVDiff vocabulary: built cell; built nucleus; bank .*: 2 classes
// test: log ^bank files: 6$
args = getArgument();
output = call("ij.Macro.getValue", args, "output", "");
model = call("ij.Macro.getValue", args, "model", "");
classes = call("ij.Macro.getValue", args, "classes", "cell;nucleus");
n = call("ij.Macro.getValue", args, "n", "2");
steps = call("ij.Macro.getValue", args, "steps", "3");
clip = call("ij.Macro.getValue", args, "clip", "");
dino = call("ij.Macro.getValue", args, "dino", "");
if (output == "") exit("give the output folder: output=[folder]");
bank = output + File.separator + "bank";
options = "classes=[" + classes + "] bank=[" + bank + "] support_images=" + n + " batch=1 seed=42 steps=" + steps;
if (model != "") options = options + " model=[" + model + "]";
if (clip != "") options = options + " clip=[" + clip + "]";
if (dino != "") options = options + " dino=[" + dino + "]";
run("OVDiff Build Vocabulary...", options + " device=auto");
files = getFileList(bank);
count = 0;
for (i = 0; i < files.length; i++) if (endsWith(files[i], ".ovdiff.safetensors")) count++;
print("bank files: " + count);
