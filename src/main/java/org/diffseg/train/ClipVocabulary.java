package org.diffseg.train;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.diffseg.sd.ClipTokenizer;

/**
 * A reduced but valid CLIP BPE tokenizer for a small world: the 256 byte symbols and their word-final forms (so any
 * text still tokenizes), plus exactly the merges of the full CLIP vocabulary that its BPE applies to the given words,
 * kept in their original rank order. Each given word therefore becomes the same tokens as in real CLIP (usually one),
 * with ids renumbered densely; {@code <|startoftext|>} and {@code <|endoftext|>} come last, as in CLIP.
 */
public final class ClipVocabulary {
	private static final String MERGES = "/org/diffseg/sd/presets/tokenizer/merges.txt";
	private static final String END = "</w>";

	private ClipVocabulary() {}

	/** Writes vocab.json, merges.txt, tokenizer_config.json and special_tokens_map.json into {@code folder}. */
	public static int write(Path folder, Collection<String> words) throws IOException {
		Map<String, Integer> ranks = fullMerges();
		Set<Integer> used = new TreeSet<>();
		for (String w : new TreeSet<>(words)) {
			if (!w.matches("[a-z]+")) throw new IllegalArgumentException("world words must be lower-case letters: " + w);
			bpe(w, ranks, used);
		}
		List<String[]> merges = new ArrayList<>();
		Map<Integer, String[]> byRank = new HashMap<>();
		for (Map.Entry<String, Integer> e : ranks.entrySet()) if (used.contains(e.getValue()))
			byRank.put(e.getValue(), e.getKey().split(" "));
		for (int r : used) merges.add(byRank.get(r));
		Map<String, Integer> vocab = new LinkedHashMap<>();
		List<String> bytes = byteSymbols();
		for (String b : bytes) vocab.put(b, vocab.size());
		for (String b : bytes) vocab.put(b + END, vocab.size());
		for (String[] m : merges) vocab.putIfAbsent(m[0] + m[1], vocab.size());
		vocab.put("<|startoftext|>", vocab.size());
		vocab.put("<|endoftext|>", vocab.size());
		Files.createDirectories(folder);
		Files.writeString(folder.resolve("vocab.json"),
			new com.google.gson.GsonBuilder().disableHtmlEscaping().create().toJson(vocab) + "\n");
		StringBuilder m = new StringBuilder("#version: 0.2\n");
		for (String[] p : merges) m.append(p[0]).append(' ').append(p[1]).append('\n');
		Files.writeString(folder.resolve("merges.txt"), m.toString());
		String token = "{\"content\": \"%s\", \"lstrip\": false, \"normalized\": true, \"rstrip\": false, " +
			"\"single_word\": false}";
		String bos = String.format(token, "<|startoftext|>"), eos = String.format(token, "<|endoftext|>");
		Files.writeString(folder.resolve("special_tokens_map.json"), "{\n  \"bos_token\": " + bos + ",\n  \"eos_token\": " +
			eos + ",\n  \"pad_token\": " + eos + ",\n  \"unk_token\": " + eos + "\n}\n");
		Files.writeString(folder.resolve("tokenizer_config.json"), "{\n  \"add_prefix_space\": false,\n  \"bos_token\": " +
			bos + ",\n  \"do_lower_case\": true,\n  \"eos_token\": " + eos + ",\n  \"errors\": \"replace\",\n" +
			"  \"model_max_length\": 77,\n  \"pad_token\": " + eos + ",\n  \"tokenizer_class\": \"CLIPTokenizer\",\n" +
			"  \"unk_token\": " + eos + "\n}\n");
		return vocab.size();
	}

	/** GPT-2/CLIP BPE of one lower-case ASCII word, recording the ranks of the merges it applies. */
	static List<String> bpe(String word, Map<String, Integer> ranks, Set<Integer> used) {
		return ClipTokenizer.merge(word, ranks, used::add);
	}

	private static Map<String, Integer> fullMerges() throws IOException {
		Map<String, Integer> ranks = new HashMap<>();
		try (InputStream in = ClipVocabulary.class.getResourceAsStream(MERGES)) {
			if (in == null) throw new IOException("missing built-in resource " + MERGES);
			BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
			String line = r.readLine(); // #version
			int rank = 0;
			while ((line = r.readLine()) != null && rank < 49152 - 256 - 2) {
				if (line.isEmpty()) continue;
				ranks.putIfAbsent(line, rank++);
			}
		}
		return ranks;
	}

	/** The 256 byte symbols of GPT-2's byte-to-unicode table, in CLIP's vocabulary order. */
	static List<String> byteSymbols() {
		Set<Integer> bs = new LinkedHashSet<>();
		for (int c = '!'; c <= '~'; c++) bs.add(c);
		for (int c = 0xA1; c <= 0xAC; c++) bs.add(c);
		for (int c = 0xAE; c <= 0xFF; c++) bs.add(c);
		List<Integer> chars = new ArrayList<>();
		List<Integer> bytes = new ArrayList<>(bs);
		for (int b : bs) chars.add(b);
		int n = 0;
		for (int b = 0; b < 256; b++) if (!bs.contains(b)) {
			bytes.add(b);
			chars.add(256 + n++);
		}
		List<String> out = new ArrayList<>();
		for (int c : chars) out.add(new String(Character.toChars(c)));
		return out;
	}
}
