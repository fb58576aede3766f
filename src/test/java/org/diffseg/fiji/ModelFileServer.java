package org.diffseg.fiji;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Serves a model folder over HTTP on 127.0.0.1 under {@code /model/} for download tests: honours {@code Range:
 * bytes=N-}, records each request as "path range", and serves the files named in {@link #corrupt} with a byte flipped.
 */
final class ModelFileServer implements AutoCloseable {

	private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

	private final Path root;
	private final HttpServer server;
	final List<String> requests = new CopyOnWriteArrayList<>();
	final Set<String> corrupt = ConcurrentHashMap.newKeySet();

	ModelFileServer(Path root) throws IOException {
		this.root = root.toAbsolutePath().normalize();
		server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		server.createContext("/model/", this::handle);
		server.start();
	}

	URI baseUrl() {
		return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/model/");
	}

	private void handle(HttpExchange ex) throws IOException {
		try (ex) {
			String path = ex.getRequestURI().getPath().substring("/model/".length());
			String range = ex.getRequestHeaders().getFirst("Range");
			requests.add(path + " " + range);
			Path file = root.resolve(path).normalize();
			if (!file.startsWith(root) || !Files.isRegularFile(file)) {
				ex.sendResponseHeaders(404, -1);
				return;
			}
			byte[] data = Files.readAllBytes(file);
			if (corrupt.contains(path)) data[data.length / 2] ^= 0x55;
			int start = 0;
			Matcher m = range == null ? null : RANGE.matcher(range);
			if (m != null && m.matches()) {
				start = Integer.parseInt(m.group(1));
				ex.getResponseHeaders().add("Content-Range", "bytes " + start + "-" + (data.length - 1) + "/" + data.length);
				ex.sendResponseHeaders(206, data.length - start);
			}
			else ex.sendResponseHeaders(200, data.length);
			try (OutputStream out = ex.getResponseBody()) {
				out.write(data, start, data.length - start);
			}
		}
	}

	@Override
	public void close() {
		server.stop(0);
	}
}
