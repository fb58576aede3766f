#@ CommandService commands
#@output String report

// Plugins > DiffSeg > Examples > System Check: runs DiffSeg's System Check command from a script and returns its
// report; DiffSeg's batch scripts call the engine commands the same way, with their parameters as a map.
//
// test: output report ^DiffSeg system check
// test: output report (?m)^engine: .*PyTorch

import org.diffseg.fiji.SystemCheck

report = commands.run(SystemCheck, false).get().getOutput("report")
