package org.diffseg.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.diffseg.run.CancelToken;

/**
 * Downloads the files of a {@link ModelDescriptor} into a folder over HTTP(S).
 * <p>
 * Each file is written to {@code NAME.part} and renamed to {@code NAME} (atomically) only once its SHA-256 matches
 * the descriptor, so a file with its final name is always complete. An interrupted transfer keeps the
 * {@code .part} file and resumes it with an HTTP {@code Range} request, both within a run (automatic retries) and in
 * a later run. A server that ignores the range (200 instead of 206) restarts the file from zero. A file whose
 * checksum does not match is deleted and reported. A server sending more bytes than the descriptor's size is cut
 * off. Licences that require acknowledgement must be accepted, and files without a known checksum are only fetched
 * when the caller explicitly trusts them. Cancelling the run's {@link CancelToken} stops it at the next chunk (a read
 * waiting on a slow server is unblocked), leaving {@code .part} files for a later resume: the download then throws
 * {@link DownloadCancelledException}. The {@link DownloadListener} only observes the transfer (files, bytes, notes).
 */
public final class ModelDownloader {

	/** Suffix of files still being downloaded. */
	public static final String PART_SUFFIX = ".part";

	private static final int CHUNK = 1 << 16;
	private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");

	private final HttpClient http;
	private final DownloadListener listener;
	private int attempts = 5;
	private Duration retryDelay = Duration.ofSeconds(2);
	private volatile CancelToken cancel = CancelToken.none();
	private volatile InputStream current;
	private long received; // bytes received for the current file over all attempts

	public ModelDownloader(DownloadListener listener) {
		this(HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
			.connectTimeout(Duration.ofSeconds(30)).build(), listener);
	}

	public ModelDownloader(HttpClient http, DownloadListener listener) {
		this.http = http;
		this.listener = listener == null ? new DownloadListener() {} : listener;
	}

	/** How many times one file is tried before an interrupted transfer becomes an error (default 5). */
	public ModelDownloader attempts(int n) {
		if (n < 1) throw new IllegalArgumentException("attempts must be at least 1");
		attempts = n;
		return this;
	}

	/** Pause before retrying an interrupted transfer (grows linearly with the attempt number). */
	public ModelDownloader retryDelay(Duration d) {
		retryDelay = d;
		return this;
	}

	/** Closes the stream being read, which unblocks a read waiting on a slow server (the run has been cancelled). */
	private void closeCurrent() {
		InputStream in = current;
		if (in != null) {
			try {
				in.close(); // unblocks a read waiting on a slow server
			}
			catch (IOException e) {
				// the stream is being abandoned anyway
			}
		}
	}

	/**
	 * Downloads every file of {@code model} into {@code folder} (created if needed), skipping files already there
	 * with the right content.
	 *
	 * @param licenceAccepted the user explicitly accepted {@code model.licence()}; required when the licence says so
	 * @param trustUnverified the user explicitly accepts files the descriptor has no SHA-256 for
	 * @throws ModelDownloadException for failures retrying cannot fix
	 * @throws IOException when the transfer kept failing ({@code .part} files remain for a later resume)
	 */
	public DownloadReport download(ModelDescriptor model, Path folder, boolean licenceAccepted, boolean trustUnverified)
		throws IOException
	{
		return download(model, folder, licenceAccepted, trustUnverified, CancelToken.none());
	}

	/**
	 * As {@link #download(ModelDescriptor, Path, boolean, boolean)}, stopping when {@code cancel} is cancelled (from
	 * any thread).
	 * @throws DownloadCancelledException when {@code cancel} is cancelled; {@code .part} files are kept for a resume
	 */
	public DownloadReport download(ModelDescriptor model, Path folder, boolean licenceAccepted, boolean trustUnverified,
		CancelToken cancel) throws IOException
	{
		this.cancel = cancel;
		cancel.onCancel(this::closeCurrent);
		Licence licence = model.licence();
		if (licence.acknowledgementRequired() && !licenceAccepted) throw new ModelDownloadException("the weights of " +
			model.name() + " come under the " + licence + " licence, which must be accepted before downloading",
			"read it, then accept it", ModelDownloadException.ACCEPT_LICENCE);
		List<ModelFile> unverifiable = model.unverifiableFiles();
		if (!unverifiable.isEmpty() && !trustUnverified) throw new ModelDownloadException(unverifiable.size() +
			" file(s) of " + model.name() + " have no known SHA-256 in its descriptor (" + names(unverifiable) +
			"), so DiffSeg cannot verify what it downloads", "to download them anyway, trust them explicitly; their " +
			"SHA-256 is then reported so it can be added to the descriptor", ModelDownloadException.TRUST_UNVERIFIED);
		Files.createDirectories(folder);
		long overallTotal = model.totalSize();
		long overallDone = 0;
		List<FileOutcome> outcomes = new ArrayList<>();
		for (ModelFile file : model.files()) {
			checkCancelled();
			FileOutcome outcome = fetch(model, file, folder, overallDone, overallTotal);
			overallDone += file.size() != null ? file.size() : Files.size(target(folder, file));
			outcomes.add(outcome);
			listener.fileFinished(outcome);
		}
		return new DownloadReport(model, folder, outcomes);
	}

	/** The final location of a model file under {@code folder}. */
	public static Path target(Path folder, ModelFile file) {
		Path p = folder;
		for (String part : file.path().split("/")) p = p.resolve(part);
		return p;
	}

	private FileOutcome fetch(ModelDescriptor model, ModelFile file, Path folder, long overallDone, long overallTotal)
		throws IOException
	{
		Path target = target(folder, file);
		Path part = target.resolveSibling(target.getFileName() + PART_SUFFIX);
		Files.createDirectories(target.getParent());
		if (Files.isRegularFile(target)) {
			long size = Files.size(target);
			boolean sizeOk = file.size() == null || file.size() == size;
			if (sizeOk && !file.verifiable()) {
				return new FileOutcome(file, FileOutcome.Status.ALREADY_PRESENT, false, sha256(target), 0);
			}
			if (sizeOk) {
				String sha = sha256(target);
				if (sha.equals(file.sha256())) return new FileOutcome(file, FileOutcome.Status.ALREADY_PRESENT, true, sha, 0);
			}
			listener.message(file.path() + ": the existing file does not match the descriptor; downloading it again");
		}
		URI url = model.url(file);
		received = 0;
		boolean restartedAfterMismatch = false;
		for (int attempt = 1;; attempt++) {
			checkCancelled();
			long resumedFrom = Files.isRegularFile(part) ? Files.size(part) : 0;
			try {
				transfer(url, file, part, overallDone, overallTotal);
			}
			catch (ModelDownloadException e) {
				throw e;
			}
			catch (IOException e) {
				checkCancelled();
				if (attempt >= attempts) throw new IOException(file.path() + ": the transfer from " + url + " failed " +
					attempts + " times (" + e.getMessage() + "). The partial download is kept; run the download " +
					"again to resume it.", e);
				listener.message(file.path() + ": transfer interrupted (" + e.getMessage() + "); retrying, attempt " +
					(attempt + 1) + " of " + attempts);
				pause(attempt);
				continue;
			}
			String sha = sha256(part);
			if (file.verifiable() && !sha.equals(file.sha256())) {
				Files.deleteIfExists(part);
				// A resumed .part may have come from another version of the file: start once more from zero.
				if (resumedFrom > 0 && !restartedAfterMismatch) {
					restartedAfterMismatch = true;
					listener.message(file.path() + ": checksum mismatch after resuming; downloading it again from the start");
					continue;
				}
				throw new ModelDownloadException(file.path() + ": SHA-256 mismatch: expected " + file.sha256() +
					", got " + sha + " from " + url + ". The corrupt download was deleted. Run the download again; " +
					"if it fails again, the server's file differs from the model descriptor.");
			}
			moveIntoPlace(part, target);
			return new FileOutcome(file, FileOutcome.Status.DOWNLOADED, file.verifiable(), sha, received);
		}
	}

	/** One HTTP request: appends to (or restarts) the .part file until the server's response ends. */
	private void transfer(URI url, ModelFile file, Path part, long overallDone, long overallTotal) throws IOException {
		long offset = Files.isRegularFile(part) ? Files.size(part) : 0;
		Long expected = file.size();
		if (expected != null && offset > expected) {
			Files.delete(part); // longer than the file can be: not a prefix of it
			offset = 0;
		}
		if (expected != null && offset == expected) return; // complete already: only verification is left
		HttpRequest.Builder request = HttpRequest.newBuilder(url).GET().timeout(Duration.ofSeconds(60))
			.header("User-Agent", "DiffSeg model downloader");
		if (offset > 0) request.header("Range", "bytes=" + offset + "-");
		HttpResponse<InputStream> response;
		try {
			response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new DownloadCancelledException("download of " + file.path() + " interrupted");
		}
		try (InputStream in = response.body()) {
			int status = response.statusCode();
			long limit; // the most bytes the complete file may have
			boolean append;
			if (status == 206) {
				Matcher m = CONTENT_RANGE.matcher(response.headers().firstValue("Content-Range").orElse(""));
				if (!m.matches() || Long.parseLong(m.group(1)) != offset) {
					// Not the range we asked for: the safe choice is to start again.
					Files.deleteIfExists(part);
					throw new IOException("the server answered a range request with another range (" +
						response.headers().firstValue("Content-Range").orElse("none") + ")");
				}
				long serverTotal = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
				limit = boundedBy(file, url, serverTotal);
				append = true;
			}
			else if (status == 200) {
				if (offset > 0) listener.message(file.path() + ": the server does not resume downloads; starting again");
				offset = 0;
				limit = boundedBy(file, url, response.headers().firstValueAsLong("Content-Length").orElse(-1));
				append = false;
			}
			else if (status == 416 && offset > 0) {
				Files.deleteIfExists(part); // the part does not fit the server's file: start again
				throw new IOException("the server rejected resuming at byte " + offset);
			}
			else if (status >= 500 || status == 408 || status == 429) {
				throw new IOException("HTTP " + status + " from " + url);
			}
			else {
				throw new ModelDownloadException(file.path() + ": HTTP " + status + " from " + url + ". The file is " +
					"not available at this address: check the network, or the model descriptor's baseUrl.");
			}
			listener.fileStarted(file, offset);
			copy(in, file, part, append, offset, limit, overallDone, overallTotal);
		}
	}

	/** The size bound for a file: the descriptor's size, else the server's declared size (-1: unbounded). */
	private static long boundedBy(ModelFile file, URI url, long serverTotal) throws ModelDownloadException {
		if (file.size() == null) return serverTotal;
		if (serverTotal >= 0 && serverTotal != file.size()) throw new ModelDownloadException(file.path() + ": the server at " + url +
			" offers " + serverTotal + " bytes but the model descriptor says " + file.size() + ". Download aborted: " +
			"the server's file is not the one the descriptor describes.");
		return file.size();
	}

	private void copy(InputStream in, ModelFile file, Path part, boolean append, long offset, long limit,
		long overallDone, long overallTotal) throws IOException
	{
		current = in;
		long written = offset;
		try (OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
			append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING))
		{
			byte[] buffer = new byte[CHUNK];
			while (true) {
				checkCancelled();
				int n;
				try {
					n = in.read(buffer);
				}
				catch (IOException e) {
					checkCancelled(); // a read failing because cancelling closed the stream
					throw e;
				}
				if (n < 0) break;
				if (limit >= 0 && written + n > limit) {
					out.close();
					Files.deleteIfExists(part);
					throw new ModelDownloadException(file.path() + ": the server sent more than the " + limit +
						" bytes expected. Download aborted and the partial file deleted: the server's file is not the " +
						"one the model descriptor describes.");
				}
				out.write(buffer, 0, n);
				written += n;
				received += n;
				listener.progress(file, written, limit, overallDone + written, overallTotal);
			}
		}
		finally {
			current = null;
		}
		if (limit >= 0 && written < limit) throw new IOException("connection closed after " + written + " of " +
			limit + " bytes");
	}

	private static void moveIntoPlace(Path part, Path target) throws IOException {
		try {
			Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		}
		catch (AtomicMoveNotSupportedException e) {
			Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
		}
	}

	private String sha256(Path file) throws IOException {
		MessageDigest digest;
		try {
			digest = MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("every Java runtime has SHA-256", e);
		}
		try (InputStream in = Files.newInputStream(file)) {
			byte[] buffer = new byte[1 << 20];
			for (int n; (n = in.read(buffer)) > 0;) {
				checkCancelled(); // hashing a multi-GB checkpoint takes a while
				digest.update(buffer, 0, n);
			}
		}
		return HexFormat.of().formatHex(digest.digest());
	}

	private void checkCancelled() throws DownloadCancelledException {
		if (cancel.isCancelled()) throw new DownloadCancelledException("download cancelled; partial files (" + PART_SUFFIX +
			") are kept and the next download resumes them");
	}

	private void pause(int attempt) throws DownloadCancelledException {
		try {
			Thread.sleep(retryDelay.toMillis() * attempt);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new DownloadCancelledException("download interrupted");
		}
	}

	private static String names(List<ModelFile> files) {
		List<String> names = files.stream().map(ModelFile::path).toList();
		return names.size() <= 4 ? String.join(", ", names) :
			String.join(", ", names.subList(0, 4)) + " and " + (names.size() - 4) + " more";
	}
}
