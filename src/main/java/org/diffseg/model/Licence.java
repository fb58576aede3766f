package org.diffseg.model;

/**
 * The licence a model's weights come under. When {@code acknowledgementRequired}, the user must explicitly accept it
 * (a front-end's ticked box or option) before anything is downloaded.
 */
public record Licence(String name, String url, boolean acknowledgementRequired) {

	public Licence {
		if (name == null || name.isBlank()) throw new IllegalArgumentException("a licence needs a name");
		if (url == null || url.isBlank()) throw new IllegalArgumentException("licence '" + name + "' needs a URL");
	}

	@Override
	public String toString() {
		return name + " (" + url + ")";
	}
}
