package org.diffseg.model;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A file server on 127.0.0.1 for download tests (of the model package and of Fiji's model manager): serves a folder
 * under {@code /model/}, honours {@code Range: bytes=N-}, logs every request, and misbehaves on demand (cut a transfer
 * short once, corrupt a file, ignore ranges, send more bytes than the file has).
 */
public final class LocalModelServer implements AutoCloseable {

	/** One request as the server saw it. */
	public record Request(String path, String range) {}

	private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

	private final Path root;
	private final HttpServer server;
	private final ExecutorService executor = Executors.newCachedThreadPool();
	public final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
	/** path → bytes after which the next response is cut off (used once). */
	final Map<String, Long> cutOnce = new ConcurrentHashMap<>();
	/** paths whose content is served with one byte flipped. */
	public final Map<String, Boolean> corrupt = new ConcurrentHashMap<>();
	/** paths served with extra trailing bytes, chunked (no Content-Length), or declared in Content-Length. */
	final Map<String, Boolean> oversizeChunked = new ConcurrentHashMap<>();
	final Map<String, Boolean> oversizeDeclared = new ConcurrentHashMap<>();
	volatile boolean ignoreRanges;

	public LocalModelServer(Path root) throws IOException {
		this.root = root.toAbsolutePath().normalize();
		server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		server.createContext("/model/", this::handle);
		server.setExecutor(executor);
		server.start();
	}

	public URI baseUrl() {
		return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/model/");
	}

	List<Request> requestsFor(String path) {
		synchronized (requests) {
			return requests.stream().filter(r -> r.path().equals(path)).toList();
		}
	}

	private void handle(HttpExchange ex) throws IOException {
		try (ex) {
			String path = ex.getRequestURI().getPath().substring("/model/".length());
			String range = ex.getRequestHeaders().getFirst("Range");
			requests.add(new Request(path, range));
			Path file = root.resolve(path).normalize();
			if (!file.startsWith(root) || !Files.isRegularFile(file)) {
				ex.sendResponseHeaders(404, -1);
				return;
			}
			byte[] data = Files.readAllBytes(file);
			if (corrupt.containsKey(path)) data[data.length / 2] ^= 0x55;
			if (oversizeChunked.containsKey(path) || oversizeDeclared.containsKey(path)) {
				byte[] longer = new byte[data.length + 4096];
				System.arraycopy(data, 0, longer, 0, data.length);
				ex.sendResponseHeaders(200, oversizeChunked.containsKey(path) ? 0 : longer.length);
				try (OutputStream out = ex.getResponseBody()) {
					out.write(longer);
				}
				catch (IOException e) {
					// the client hung up, as it should
				}
				return;
			}
			int start = 0;
			Matcher m = range == null ? null : RANGE.matcher(range);
			if (m != null && m.matches() && !ignoreRanges) {
				start = Integer.parseInt(m.group(1));
				if (start >= data.length) {
					ex.getResponseHeaders().add("Content-Range", "bytes */" + data.length);
					ex.sendResponseHeaders(416, -1);
					return;
				}
				ex.getResponseHeaders().add("Content-Range", "bytes " + start + "-" + (data.length - 1) + "/" + data.length);
				ex.sendResponseHeaders(206, data.length - start);
			}
			else ex.sendResponseHeaders(200, data.length);
			Long cut = cutOnce.remove(path);
			OutputStream out = ex.getResponseBody();
			try {
				if (cut != null) {
					out.write(data, start, (int) Math.min(cut, data.length - start));
					out.flush();
					// Closing with bytes still owed makes the server drop the connection mid-body.
					ex.close();
					return;
				}
				out.write(data, start, data.length - start);
				out.close();
			}
			catch (IOException e) {
				// the client went away (cancellation) or the connection was dropped on purpose
			}
		}
	}

	@Override
	public void close() {
		server.stop(0);
		executor.shutdownNow();
	}
}
