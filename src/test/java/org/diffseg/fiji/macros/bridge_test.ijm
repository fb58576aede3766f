// Test-only (the Bridge Test command lives in the tests): a macro shaped like the engine macros. It reads its paths
// from the argument, runs a DiffSeg command on the current image, checks that the output became the current image and
// saves it into the output folder.
//
// test: log ^iterations=4 gain=1.5 invert=true mode=scale folder=
// test: log ^OK$
// test: file bridge_result.tif
output = call("ij.Macro.getValue", getArgument(), "output", "");
if (output == "") exit("no output=[folder] in the argument");
newImage("input", "8-bit ramp", 64, 32, 1);
run("Bridge Test...", "iterations=4 gain=1.5 invert=true mode=scale folder=[" + output + "]");
if (getTitle() != "input-scale") exit("the result is not the current image: " + getTitle());
saveAs("Tiff", output + File.separator + "bridge_result.tif");
print("OK");
