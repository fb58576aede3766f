package org.diffseg.updatesite;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * Reads and writes an update site's {@code db.xml.gz} (schema: UPDATE-SITE.md §2). The writer puts no whitespace
 * between elements: without the updater's DTD, the reader would keep indentation as part of descriptions.
 */
public final class UpdateSiteDb {

	/** The file name clients fetch from the site URL. */
	public static final String FILE_NAME = "db.xml.gz";

	private UpdateSiteDb() {}

	public static void write(List<PluginRecord> records, OutputStream out) throws IOException {
		GZIPOutputStream gz = new GZIPOutputStream(out);
		Writer w = new OutputStreamWriter(gz, StandardCharsets.UTF_8);
		w.write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<pluginRecords>");
		for (PluginRecord r : records) {
			w.write("<plugin filename=\"" + attr(r.filename()) + "\">");
			for (String p : r.platforms()) w.write("<platform>" + text(p) + "</platform>");
			PluginRecord.Version v = r.version();
			if (v != null) {
				w.write("<version checksum=\"" + attr(v.checksum()) + "\" timestamp=\"" + attr(v.timestamp()) +
					"\" filesize=\"" + v.filesize() + "\">");
				if (v.description() != null) w.write("<description>" + text(v.description()) + "</description>");
				for (PluginRecord.Dependency d : v.dependencies())
					w.write("<dependency filename=\"" + attr(d.filename()) + "\" timestamp=\"" + attr(d.timestamp()) + "\"/>");
				w.write("</version>");
			}
			for (PluginRecord.PreviousVersion p : r.previous()) {
				w.write("<previous-version checksum=\"" + attr(p.checksum()) + "\" timestamp=\"" + attr(p.timestamp()) + "\"");
				if (p.timestampObsolete() != null) w.write(" timestamp-obsolete=\"" + attr(p.timestampObsolete()) + "\"");
				if (p.filename() != null) w.write(" filename=\"" + attr(p.filename()) + "\"");
				w.write("/>");
			}
			w.write("</plugin>");
		}
		w.write("</pluginRecords>\n");
		w.flush();
		gz.finish();
	}

	/** Reads a (gzipped) db; the site's own records only, {@code update-site} elements are ignored. */
	public static List<PluginRecord> read(InputStream gzipped) throws IOException {
		Document doc;
		try {
			doc = parser().parse(new GZIPInputStream(gzipped));
		}
		catch (SAXException e) {
			throw new IOException("not a valid update site index: " + e.getMessage(), e);
		}
		Element root = doc.getDocumentElement();
		if (!root.getTagName().equals("pluginRecords")) throw new IOException("not an update site index: the root " +
			"element is <" + root.getTagName() + ">, not <pluginRecords>");
		List<PluginRecord> records = new ArrayList<>();
		for (Element plugin : children(root, "plugin")) {
			List<String> platforms = new ArrayList<>();
			for (Element p : children(plugin, "platform"))
				for (String s : p.getTextContent().split(",")) if (!s.isBlank()) platforms.add(s.trim());
			PluginRecord.Version version = null;
			List<Element> versions = children(plugin, "version");
			if (!versions.isEmpty()) {
				Element v = versions.get(0);
				List<PluginRecord.Dependency> deps = new ArrayList<>();
				for (Element d : children(v, "dependency")) deps.add(new PluginRecord.Dependency(d.getAttribute("filename"),
					optional(d, "timestamp")));
				List<Element> description = children(v, "description");
				String filesize = v.getAttribute("filesize");
				version = new PluginRecord.Version(v.getAttribute("checksum"), v.getAttribute("timestamp"),
					filesize.isEmpty() ? 0 : Long.parseLong(filesize),
					description.isEmpty() ? null : description.get(0).getTextContent(), deps);
			}
			List<PluginRecord.PreviousVersion> previous = new ArrayList<>();
			for (Element p : children(plugin, "previous-version")) previous.add(new PluginRecord.PreviousVersion(
				p.getAttribute("checksum"), p.getAttribute("timestamp"), optional(p, "filename"),
				optional(p, "timestamp-obsolete")));
			records.add(new PluginRecord(plugin.getAttribute("filename"), platforms, version, previous));
		}
		return records;
	}

	private static DocumentBuilder parser() throws IOException {
		try {
			DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
			// Official indexes embed a DTD; never fetch external ones or expand external entities.
			f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
			f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
			f.setFeature("http://xml.org/sax/features/external-general-entities", false);
			f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
			f.setExpandEntityReferences(false);
			f.setNamespaceAware(false);
			return f.newDocumentBuilder();
		}
		catch (ParserConfigurationException e) {
			throw new IOException("no XML parser available", e);
		}
	}

	static List<Element> children(Element parent, String tag) {
		List<Element> list = new ArrayList<>();
		for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling())
			if (n instanceof Element e && e.getTagName().equals(tag)) list.add(e);
		return list;
	}

	private static String optional(Element e, String attribute) {
		return e.hasAttribute(attribute) ? e.getAttribute(attribute) : null;
	}

	private static String text(String s) {
		return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
	}

	private static String attr(String s) {
		return text(s).replace("\"", "&quot;").replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;");
	}
}
