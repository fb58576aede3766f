#@ File (label = "Folder of images", style = "directory") input
#@ File (label = "Folder for the results", style = "directory") output
#@ String (label = "Prompts (separated by ;)", value = "a cell; background") prompts
#@ Integer (label = "Iterations (the paper: 300; 3 is a quick trial)", value = 3, min = 1) iterations
#@ Integer (label = "Alpha size in pixels (the paper: 256; 32 is a quick trial)", value = 32, min = 8) size
#@ File (label = "Model folder (empty: the default model)", style = "directory", required = false) model
#@ String (label = "Device", choices = {"auto", "cpu", "gpu"}, value = "auto") device
#@ CommandService commands
#@output String summary

// Plugins > DiffSeg > Peekaboo Batch: segments every image of a folder with Peekaboo (every plane of stacks) and saves,
// per image, NAME_alpha.tif (32-bit, one channel per prompt) and NAME_mask.tif (0/255, the ROIs as overlay). It runs
// the Peekaboo Segment command with its parameters as a map; the model is loaded once and reused for every image.
// Headless: ImageJ-linux64 --headless --console --run Peekaboo_Batch.groovy "input='/data/in',output='/data/out',iterations=300,size=256"
//
// test: output summary (?m)^cells\.tif: 2 prompt\(s\), 64x48$
// test: output summary (?m)^1 image\(s\) segmented
// test: file cells_alpha.tif
// test: file cells_mask.tif

import ij.IJ
import org.diffseg.fiji.PeekabooSegment

def images = (input.listFiles() ?: []).findAll {
	it.isFile() && it.name.toLowerCase() ==~ /.*\.(tif|tiff|png|jpg|jpeg|gif|bmp)/
}.sort { it.name }
def lines = []
def done = 0
for (file in images) {
	def imp = IJ.openImage(file.path)
	if (imp == null) {
		lines << "${file.name}: not an image ImageJ can open; skipped"
		continue
	}
	def parameters = [image: imp, prompts: prompts, iterations: iterations, size: size, device: device,
		all_planes: true, add_rois: false]
	if (model != null) parameters.model = model
	// false: no dialog and no remembered dialog values, only these parameters and the command's defaults
	def run = commands.run(PeekabooSegment, false, parameters).get()
	if (run.isCanceled()) {
		lines << "${file.name}: ${run.cancelReason}; stopped"
		break
	}
	def alpha = run.getOutput("alpha"), masks = run.getOutput("masks")
	def name = file.name.replaceFirst(/\.[^.]+$/, "")
	IJ.saveAsTiff(alpha, new File(output, name + "_alpha.tif").path)
	IJ.saveAsTiff(masks, new File(output, name + "_mask.tif").path)
	lines << "${file.name}: ${alpha.NChannels} prompt(s), ${alpha.width}x${alpha.height}"
	done++
}
lines << "${done} image(s) segmented; results in ${output}"
summary = lines.join("\n")
