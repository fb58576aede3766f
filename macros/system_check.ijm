// DiffSeg system check: Java, operating system, memory and the deep-learning engine DiffSeg computes on.
//   In Fiji:           Plugins > Macros > Run..., or  ImageJ-linux64 --headless --console -macro system_check.ijm
//   Without Fiji:      java -jar diffseg.jar macro macros/system_check.ijm
// The report goes to the Log (in Fiji's GUI, to a window).
//
// test: log ^DiffSeg system check$
// test: log ^engine: .*PyTorch
run("System Check");
