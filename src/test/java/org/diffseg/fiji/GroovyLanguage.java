package org.diffseg.fiji;

import org.scijava.plugin.Plugin;
import org.scijava.script.AdaptedScriptLanguage;
import org.scijava.script.ScriptLanguage;

/**
 * Groovy for the tests, as Fiji's scripting-groovy provides it (which is not on Maven Central): Groovy's own JSR-223
 * engine, adapted to a SciJava script language by name.
 */
@Plugin(type = ScriptLanguage.class, name = "Groovy")
public class GroovyLanguage extends AdaptedScriptLanguage {

	public GroovyLanguage() {
		super("groovy");
	}
}
