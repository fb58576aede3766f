package org.diffseg.model;

import java.nio.file.Path;
import java.util.List;

/** The result of a complete {@link ModelDownloader} run: one outcome per file of the model, in descriptor order. */
public record DownloadReport(ModelDescriptor model, Path folder, List<FileOutcome> files) {

	public DownloadReport {
		files = List.copyOf(files);
	}

	/** Files that were accepted without a checksum to verify them against. */
	public List<FileOutcome> unverified() {
		return files.stream().filter(f -> !f.verified()).toList();
	}

	public long bytesTransferred() {
		return files.stream().mapToLong(FileOutcome::bytesTransferred).sum();
	}

	/** A few lines for the user: what was fetched, and the checksums to record for unverified files. */
	public String describe() {
		StringBuilder sb = new StringBuilder();
		long downloaded = files.stream().filter(f -> f.status() == FileOutcome.Status.DOWNLOADED).count();
		sb.append(model.name()).append(": ").append(files.size()).append(" files in ").append(folder).append(" (")
			.append(downloaded).append(" downloaded, ").append(files.size() - downloaded).append(" already present, ")
			.append(bytesTransferred()).append(" bytes transferred)");
		if (!unverified().isEmpty()) {
			sb.append("\nNot verified (the descriptor has no SHA-256 for them); their SHA-256 now on disk:");
			for (FileOutcome f : unverified()) sb.append("\n  ").append(f.sha256()).append("  ").append(f.file().path());
		}
		return sb.toString();
	}
}
