package org.diffseg.cli;

import java.nio.file.Path;

import picocli.CommandLine.Option;

/**
 * --model of a benchmark subcommand ({@code bench peekaboo}, {@code bench ovdiff}): the Stable Diffusion folder it
 * loads, required. ({@code bench} itself takes --model too, but may not require it: a required option of the parent
 * would be asked for before its subcommands' options parse.)
 */
final class BenchModelOption {

	@Option(names = "--model", required = true, description = "Stable Diffusion folder (e.g. one written by init-model).")
	Path folder;
}
