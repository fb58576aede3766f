// Peekaboo: generate an image with transparency from a prompt (Plugins > DiffSeg > Peekaboo Generate RGBA...).
//   In Fiji:       Plugins > Macros > Run... and choose this file.
//   Headless Fiji: ImageJ-linux64 --headless --console -macro peekaboo_rgba.ijm "output=[/data/out] prompt=[a red apple]"
//   Without Fiji:  java -jar diffseg.jar macro macros/peekaboo_rgba.ijm "output=[/data/out] prompt=[a red apple]"
// Argument keys, all optional:
//   output     a folder to save rgba.tif (channels R, G, B, alpha) and rgba_checkerboard.png into
//   prompt     what to generate (default: a red apple)
//   model      a Stable Diffusion folder (default: the one chosen in Model Manager, else the shipped model)
//   iterations, size   default 3 and 32: a quick trial that runs in seconds; the paper uses iterations=300 size=256
//
// test: log ^rgba: 32x32, 4 channels, 8-bit$
// test: log ^checkerboard: 32x32, RGB$
// test: file rgba.tif
// test: file rgba_checkerboard.png

arg = getArgument();
output = call("ij.Macro.getValue", arg, "output", "");
prompt = call("ij.Macro.getValue", arg, "prompt", "a red apple");
model = call("ij.Macro.getValue", arg, "model", "");
iterations = call("ij.Macro.getValue", arg, "iterations", "3");
size = call("ij.Macro.getValue", arg, "size", "32");

options = "prompt=[" + prompt + "] iterations=" + iterations + " size=" + size;
if (model != "") options = options + " model=[" + model + "]";
run("Peekaboo Generate RGBA...", options);

// the image on the checkerboard is the current image now; the 4-channel composite is open under "RGBA - " and the prompt
checkerboard = getTitle();
type = "" + bitDepth() + "-bit";
if (bitDepth() == 24) type = "RGB";
print("checkerboard: " + getWidth() + "x" + getHeight() + ", " + type);
if (output != "") saveAs("PNG", output + File.separator + "rgba_checkerboard.png");
selectImage("RGBA - " + prompt);
getDimensions(width, height, channels, slices, frames);
print("rgba: " + width + "x" + height + ", " + channels + " channels, " + bitDepth() + "-bit");
if (output != "") saveAs("Tiff", output + File.separator + "rgba.tif");
