package org.diffseg.sd;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.diffseg.sd.nn.ConfigException;
import org.diffseg.sd.nn.ConfigLimits;
import org.diffseg.sd.nn.Json;

/**
 * The CLIP byte-level BPE tokenizer of Stable Diffusion's text encoder, reproducing Hugging Face transformers' slow
 * {@code CLIPTokenizer} without the optional {@code ftfy} package (its fallback BasicTokenizer path), id for id:
 * special-token strings are cut out of the raw text first; each remaining chunk is cleaned (control/format characters
 * and U+FFFD dropped, whitespace to spaces, CJK ideographs spaced), NFC-normalised, lower-cased, split by the CLIP
 * regex, mapped through the GPT-2 byte-to-unicode table and merged by BPE rank. An encoding is
 * {@code [bos] + ids[:maxLength-2] + [eos]}, right-padded with the pad id to {@code maxLength} (77).
 * Instances are immutable apart from a bounded per-word BPE cache and are safe to share between threads.
 */
public final class ClipTokenizer {
	public static final String DEFAULT_BOS = "<|startoftext|>";
	public static final String DEFAULT_EOS = "<|endoftext|>";
	public static final int DEFAULT_MAX_LENGTH = 77;

	/** transformers keeps only this many merges (49152 byte-level tokens - 256 bytes - 2 specials). */
	private static final int MAX_MERGES = 49152 - 256 - 2;
	/** transformers' "no limit" model_max_length is 1e30; CLIP's position table has 77 rows. */
	private static final double UNSET_MAX_LENGTH = 1e6;
	/** vocab.json and merges.txt larger than this are not tokenizer files (CLIP's: 1.6 MB and 0.5 MB). */
	private static final long MAX_TOKENIZER_FILE_BYTES = 64L << 20;
	private static final int CACHE_SIZE = 20_000;
	private static final String END_OF_WORD = "</w>";

	/**
	 * The CLIP split pattern, applied to lower-cased text. The reference compiles it case-insensitively (Python's
	 * regex module); on lower-cased text that leaves two effects: the long s (U+017F) matches 's', and U+0345
	 * (a combining mark whose upper case is the letter iota) is kept out of the non-letter class, so no alternative
	 * matches it and it is dropped.
	 */
	private static final Pattern WORD = Pattern.compile("<\\|[s\u017F]tartoftext\\|>|<\\|endoftext\\|>" +
		"|'[s\u017F]|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^\\p{IsWhite_Space}\\p{L}\\p{N}\\u0345]+");
	/** Word_Break MidLetter, MidNumLet and Single_Quote: case-ignorable beyond the categories Mn Me Cf Lm Sk. */
	private static final int[] CASE_IGNORABLE_PUNCTUATION = { 0x27, 0x2E, 0x3A, 0xB7, 0x387, 0x55F, 0x5F4, 0x2018,
		0x2019, 0x2024, 0x2027, 0xFE13, 0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A };

	private static final String[] BYTE_TO_UNICODE = byteToUnicode();

	private final Map<String, Integer> vocab;
	private final String[] idToToken;
	private final Map<String, Integer> mergeRanks;
	/** Special-token strings, longest first so that the cut-out takes the longest match at a position. */
	private final List<String> specialTokens;
	private final int bosId;
	private final int eosId;
	private final int padId;
	private final int unkId;
	private final int maxLength;
	private final Map<String, String[]> cache = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
		private static final long serialVersionUID = 1L;

		@Override
		protected boolean removeEldestEntry(Map.Entry<String, String[]> eldest) {
			return size() > CACHE_SIZE;
		}
	});

	/**
	 * The result of {@link #encode}: {@code ids} has length {@link #maxLength()}; {@code textTokenCount} counts the
	 * text tokens before truncation (no bos/eos); {@code truncated} is true when some of them were dropped.
	 */
	public record Encoding(long[] ids, int textTokenCount, boolean truncated) {
		/** 1 for bos, the kept text tokens and eos, 0 for padding (informational: SD gives the encoder no mask). */
		public long[] attentionMask() {
			long[] mask = new long[ids.length];
			Arrays.fill(mask, 0, Math.min(textTokenCount + 2, ids.length), 1L);
			return mask;
		}
	}

	private ClipTokenizer(Map<String, Integer> vocab, String[] idToToken, Map<String, Integer> mergeRanks,
		List<String> specialTokens, int bosId, int eosId, int padId, int unkId, int maxLength)
	{
		this.vocab = vocab;
		this.idToToken = idToToken;
		this.mergeRanks = mergeRanks;
		this.specialTokens = specialTokens;
		this.bosId = bosId;
		this.eosId = eosId;
		this.padId = padId;
		this.unkId = unkId;
		this.maxLength = maxLength;
	}

	/**
	 * Loads a tokenizer folder (the {@code tokenizer/} folder of a diffusers model): {@code vocab.json} and
	 * {@code merges.txt} are required; {@code tokenizer_config.json} and {@code special_tokens_map.json} are optional
	 * (the latter wins where both name a special token), with CLIP's defaults: bos {@code <|startoftext|>},
	 * eos/unk/pad {@code <|endoftext|>}, model_max_length 77.
	 */
	public static ClipTokenizer load(Path folder) throws IOException {
		Path vocabFile = required(folder, "vocab.json");
		Path mergesFile = required(folder, "merges.txt");
		Map<String, Integer> vocab = readVocab(vocabFile);
		String[] idToToken = invert(vocab, vocabFile);
		Map<String, Integer> mergeRanks = readMerges(mergesFile);

		Map<String, String> special = new HashMap<>();
		special.put("bos_token", DEFAULT_BOS);
		special.put("eos_token", DEFAULT_EOS);
		special.put("unk_token", DEFAULT_EOS);
		special.put("pad_token", DEFAULT_EOS);
		int maxLength = DEFAULT_MAX_LENGTH;
		Path configFile = folder.resolve("tokenizer_config.json");
		if (Files.isRegularFile(configFile)) {
			JsonObject config = readJsonObject(configFile);
			readSpecialTokens(config, configFile, special);
			maxLength = readMaxLength(config, configFile);
		}
		Path mapFile = folder.resolve("special_tokens_map.json");
		if (Files.isRegularFile(mapFile)) readSpecialTokens(readJsonObject(mapFile), mapFile, special);

		Map<String, Integer> ids = new HashMap<>();
		for (String key : List.of("bos_token", "eos_token", "unk_token", "pad_token")) {
			String token = special.get(key);
			Integer id = vocab.get(token);
			if (id == null) throw new IOException(folder + ": the " + key + " '" + token + "' is not in vocab.json; " +
				"the text encoder has no embedding for it. Use a token of the vocabulary (SD 1.x uses <|endoftext|>, " +
				"SD 2.x pads with !) in special_tokens_map.json / tokenizer_config.json.");
			ids.put(key, id);
		}
		List<String> specialTokens = new ArrayList<>(new LinkedHashSet<>(special.values()));
		specialTokens.sort((a, b) -> Integer.compare(b.length(), a.length()));
		return new ClipTokenizer(vocab, idToToken, mergeRanks, List.copyOf(specialTokens), ids.get("bos_token"),
			ids.get("eos_token"), ids.get("pad_token"), ids.get("unk_token"), maxLength);
	}

	/** {@code [bos] + ids[:maxLength-2] + [eos]}, right-padded to {@link #maxLength()} with the pad id. */
	public Encoding encode(String text) {
		List<Integer> tokens = textTokenIds(text);
		long[] ids = new long[maxLength];
		Arrays.fill(ids, padId);
		int kept = Math.min(tokens.size(), maxLength - 2);
		ids[0] = bosId;
		for (int i = 0; i < kept; i++) ids[i + 1] = tokens.get(i);
		ids[kept + 1] = eosId;
		return new Encoding(ids, tokens.size(), kept < tokens.size());
	}

	/** The ids of the text's tokens, without bos/eos and not truncated. */
	public List<Integer> textTokenIds(String text) {
		List<String> tokens = bpeTokens(text);
		List<Integer> ids = new ArrayList<>(tokens.size());
		for (String token : tokens) ids.add(vocab.getOrDefault(token, unkId));
		return ids;
	}

	/** The BPE token strings of the text (special tokens as their own strings, word ends marked {@code </w>}). */
	public List<String> bpeTokens(String text) {
		if (text == null) throw new IllegalArgumentException("the prompt is null: give a string (\"\" for none)");
		List<String> out = new ArrayList<>();
		// Special-token strings in the raw text are emitted as themselves; the text between them is tokenised.
		int chunkStart = 0;
		int i = 0;
		while (i < text.length()) {
			String special = specialAt(text, i);
			if (special == null) {
				i++;
				continue;
			}
			tokenizeChunk(text.substring(chunkStart, i), out);
			out.add(special);
			i += special.length();
			chunkStart = i;
		}
		tokenizeChunk(text.substring(chunkStart), out);
		return out;
	}

	public int maxLength() {
		return maxLength;
	}

	public int bosId() {
		return bosId;
	}

	public int eosId() {
		return eosId;
	}

	public int padId() {
		return padId;
	}

	/** One more than the largest id of the vocabulary: the text encoder's vocab_size must be at least this. */
	public int vocabularyEnd() {
		return idToToken.length;
	}

	/** The vocabulary string of an id, e.g. {@code cat</w>} for 2368. */
	public String decodeToken(int id) {
		if (id < 0 || id >= idToToken.length || idToToken[id] == null)
			throw new IllegalArgumentException("token id " + id + " is not in the vocabulary");
		return idToToken[id];
	}

	private String specialAt(String text, int index) {
		for (String special : specialTokens)
			if (text.startsWith(special, index)) return special;
		return null;
	}

	private void tokenizeChunk(String chunk, List<String> out) {
		if (chunk.isEmpty()) return;
		Matcher words = WORD.matcher(normalize(chunk));
		StringBuilder encoded = new StringBuilder();
		while (words.find()) {
			encoded.setLength(0);
			for (byte b : words.group().getBytes(StandardCharsets.UTF_8)) encoded.append(BYTE_TO_UNICODE[b & 0xff]);
			out.addAll(Arrays.asList(bpe(encoded.toString())));
		}
	}

	/**
	 * The BasicTokenizer pass of the reference (no accent stripping, no punctuation split): drop control/format
	 * characters and U+FFFD, whitespace to spaces, space out CJK ideographs, NFC, split on whitespace, lower-case
	 * each word, join with single spaces.
	 */
	static String normalize(String text) {
		StringBuilder cleaned = new StringBuilder(text.length() + 16);
		for (int i = 0; i < text.length();) {
			int cp = text.codePointAt(i);
			i += Character.charCount(cp);
			if (cp == 0xFFFD || isControl(cp)) continue;
			if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Character.getType(cp) == Character.SPACE_SEPARATOR)
				cleaned.append(' ');
			else if (isCjkIdeograph(cp)) cleaned.append(' ').appendCodePoint(cp).append(' ');
			else cleaned.appendCodePoint(cp);
		}
		StringBuilder out = new StringBuilder(cleaned.length());
		for (String word : splitPythonWhitespace(Normalizer.normalize(cleaned, Normalizer.Form.NFC))) {
			if (out.length() > 0) out.append(' ');
			out.append(lowerCase(word));
		}
		return out.toString();
	}

	/**
	 * Python's str.lower() of one word: the full lower-case mapping (only U+0130 maps to two characters) and
	 * Python's final-sigma rule, which skips case-ignorable characters; Java's toLowerCase uses word breaks instead.
	 */
	private static String lowerCase(String word) {
		StringBuilder out = new StringBuilder(word.length() + 1);
		for (int i = 0; i < word.length();) {
			int cp = word.codePointAt(i);
			if (cp == 0x130) out.append("i\u0307");
			else if (cp == 0x3A3) out.append(isFinalSigma(word, i) ? '\u03C2' : '\u03C3');
			else out.appendCodePoint(Character.toLowerCase(cp));
			i += Character.charCount(cp);
		}
		return out.toString();
	}

	/** A capital sigma after a cased letter and not before one (case-ignorable characters skipped both ways). */
	private static boolean isFinalSigma(String word, int index) {
		int before = index;
		int cp = -1;
		while (before > 0) {
			cp = word.codePointBefore(before);
			before -= Character.charCount(cp);
			if (!isCaseIgnorable(cp)) break;
			cp = -1;
		}
		if (cp < 0 || !isCased(cp)) return false;
		for (int after = index + 1; after < word.length();) {
			cp = word.codePointAt(after);
			if (!isCaseIgnorable(cp)) return !isCased(cp);
			after += Character.charCount(cp);
		}
		return true;
	}

	private static boolean isCased(int cp) {
		return Character.isLowerCase(cp) || Character.isUpperCase(cp) || Character.isTitleCase(cp);
	}

	private static boolean isCaseIgnorable(int cp) {
		int type = Character.getType(cp);
		if (type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK || type == Character.FORMAT ||
			type == Character.MODIFIER_LETTER || type == Character.MODIFIER_SYMBOL) return true;
		return Arrays.binarySearch(CASE_IGNORABLE_PUNCTUATION, cp) >= 0;
	}

	/** Unicode category C* (Cc, Cf, Cn, Co, Cs) except tab, LF and CR. */
	private static boolean isControl(int cp) {
		if (cp == '\t' || cp == '\n' || cp == '\r') return false;
		int type = Character.getType(cp);
		return type == Character.CONTROL || type == Character.FORMAT || type == Character.UNASSIGNED ||
			type == Character.PRIVATE_USE || type == Character.SURROGATE;
	}

	/** The CJK ideograph blocks BERT's tokenizer spaces out; kana and hangul are not among them. */
	private static boolean isCjkIdeograph(int cp) {
		return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
			(cp >= 0x2A700 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
	}

	/** Python's str.isspace: bidirectional class WS, B or S, or category Zs. */
	private static boolean isPythonSpace(int cp) {
		if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F) || cp == 0x85) return true;
		int type = Character.getType(cp);
		if (type == Character.SPACE_SEPARATOR) return true;
		byte bidi = Character.getDirectionality(cp);
		return bidi == Character.DIRECTIONALITY_WHITESPACE || bidi == Character.DIRECTIONALITY_PARAGRAPH_SEPARATOR ||
			bidi == Character.DIRECTIONALITY_SEGMENT_SEPARATOR;
	}

	/** Python's str.split() without arguments: runs of whitespace separate, no empty words. */
	private static List<String> splitPythonWhitespace(CharSequence text) {
		List<String> words = new ArrayList<>();
		int start = -1;
		for (int i = 0; i < text.length();) {
			int cp = Character.codePointAt(text, i);
			if (isPythonSpace(cp)) {
				if (start >= 0) words.add(text.subSequence(start, i).toString());
				start = -1;
			}
			else if (start < 0) start = i;
			i += Character.charCount(cp);
		}
		if (start >= 0) words.add(text.subSequence(start, text.length()).toString());
		return words;
	}

	/** BPE of one byte-encoded word: merge the lowest-ranked adjacent pair everywhere, until no pair has a rank. */
	private String[] bpe(String word) {
		// The reference seeds its cache with these two, so they never get </w>.
		if (word.equals(DEFAULT_BOS) || word.equals(DEFAULT_EOS)) return new String[] { word };
		String[] cached = cache.get(word);
		if (cached != null) return cached;
		String[] result = merge(word, mergeRanks, rank -> {}).toArray(new String[0]);
		cache.put(word, result);
		return result;
	}

	/**
	 * GPT-2/CLIP BPE of one word: its characters, the last with {@code </w>}; the lowest-ranked adjacent pair is merged
	 * everywhere, until no pair has a rank.
	 *
	 * @param ranks   merge ranks by "first second"
	 * @param applied told the rank of every merge applied, in order
	 */
	public static List<String> merge(String word, Map<String, Integer> ranks, IntConsumer applied) {
		List<String> symbols = new ArrayList<>(word.length());
		for (int i = 0; i < word.length(); i++)
			symbols.add(word.substring(i, i + 1) + (i == word.length() - 1 ? END_OF_WORD : ""));
		while (symbols.size() > 1) {
			int best = Integer.MAX_VALUE;
			String first = null;
			String second = null;
			for (int i = 0; i + 1 < symbols.size(); i++) {
				Integer rank = ranks.get(symbols.get(i) + ' ' + symbols.get(i + 1));
				if (rank != null && rank < best) {
					best = rank;
					first = symbols.get(i);
					second = symbols.get(i + 1);
				}
			}
			if (first == null) break;
			applied.accept(best);
			List<String> merged = new ArrayList<>(symbols.size());
			for (int i = 0; i < symbols.size(); i++) {
				if (i + 1 < symbols.size() && symbols.get(i).equals(first) && symbols.get(i + 1).equals(second)) {
					merged.add(first + second);
					i++;
				}
				else merged.add(symbols.get(i));
			}
			symbols = merged;
		}
		return symbols;
	}

	/** GPT-2's reversible byte-to-character table: printable Latin-1 bytes map to themselves, the rest to 256+. */
	private static String[] byteToUnicode() {
		String[] table = new String[256];
		int next = 256;
		for (int b = 0; b < 256; b++) {
			boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
			table[b] = String.valueOf((char) (printable ? b : next++));
		}
		return table;
	}

	private static Path required(Path folder, String name) throws IOException {
		Path file = folder.resolve(name);
		if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "the CLIP tokenizer " +
			"needs " + name + " (with vocab.json, merges.txt and optionally special_tokens_map.json, " +
			"tokenizer_config.json); point to the 'tokenizer' folder of a diffusers model, which has them all");
		return file;
	}

	/** Refuses a tokenizer file of more than {@link #MAX_TOKENIZER_FILE_BYTES}: it is not the right file. */
	private static void requireSize(Path file, String what, String clipSize) throws IOException {
		long size = Files.size(file);
		if (size > MAX_TOKENIZER_FILE_BYTES) throw new IOException(file + " is " + size + " bytes, too large for a " +
			what + " (CLIP's is " + clipSize + "; at most " + MAX_TOKENIZER_FILE_BYTES + "): it is not the right file. " +
			VOCAB_FIX);
	}

	/**
	 * Streams the 49k-entry token-to-id object straight into a map (no intermediate JSON tree). A file that is not
	 * such an object (garbage, an HTML error page saved as vocab.json, a list, string ids, fractional or negative ids,
	 * more than {@link ConfigLimits#MAX_VOCAB} tokens) ends in one message naming the file, where and what is wrong.
	 */
	private static Map<String, Integer> readVocab(Path file) throws IOException {
		requireSize(file, "vocabulary", "1.6 MB");
		Map<String, Integer> vocab = new HashMap<>(65536);
		try (Reader reader = new java.io.InputStreamReader(Files.newInputStream(file),
			StandardCharsets.UTF_8.newDecoder()); JsonReader json = new JsonReader(new java.io.BufferedReader(reader)))
		{
			if (json.peek() != JsonToken.BEGIN_OBJECT) throw badVocab(file, json, "it starts with " +
				describe(json.peek()) + ", not an object {\"token\": id, ...}");
			json.beginObject();
			while (json.hasNext()) {
				String token = json.nextName();
				if (json.peek() != JsonToken.NUMBER) throw badVocab(file, json, "token " + quote(token) +
					" maps to " + describe(json.peek()) + ", not an integer id");
				String literal = json.nextString();
				int id;
				try {
					id = literal.length() > 12 ? -1 : new java.math.BigDecimal(literal).intValueExact();
				}
				catch (ArithmeticException | NumberFormatException e) {
					id = -1;
				}
				if (id < 0 || id >= ConfigLimits.MAX_VOCAB) throw badVocab(file, json, "token " + quote(token) +
					" has id " + shorten(literal) + ", expected an integer from 0 to " + (ConfigLimits.MAX_VOCAB - 1));
				vocab.put(token, id);
				if (vocab.size() > ConfigLimits.MAX_VOCAB) throw badVocab(file, json, "it has more than " +
					ConfigLimits.MAX_VOCAB + " tokens (CLIP has 49408)");
			}
			json.endObject();
			if (json.peek() != JsonToken.END_DOCUMENT) throw badVocab(file, json, "more follows the object");
		}
		catch (java.nio.charset.CharacterCodingException e) {
			throw new IOException(file + " is not UTF-8 text, so not a vocabulary. " + VOCAB_FIX, e);
		}
		catch (com.google.gson.stream.MalformedJsonException | java.io.EOFException | IllegalStateException |
			NumberFormatException | JsonParseException e)
		{
			throw new IOException(file + " is not valid JSON" + Json.location(e.getMessage()) + ", so not a " +
				"vocabulary (a JSON object mapping each token to its integer id). " + VOCAB_FIX, e);
		}
		catch (StackOverflowError e) {
			throw new IOException(file + " is not a vocabulary (a JSON object mapping each token to its integer " +
				"id). " + VOCAB_FIX);
		}
		if (vocab.isEmpty()) throw new IOException(file + " has no tokens. " + VOCAB_FIX);
		return vocab;
	}

	private static final String VOCAB_FIX = "Download the tokenizer files (vocab.json, merges.txt) of the model again.";

	private static IOException badVocab(Path file, JsonReader json, String what) {
		return new IOException(file + " is not a vocabulary (a JSON object mapping each token to its integer id)" +
			Json.location(json.toString()) + ": " + what + ". " + VOCAB_FIX);
	}

	private static String describe(JsonToken t) {
		return switch (t) {
			case BEGIN_ARRAY -> "a list";
			case BEGIN_OBJECT -> "an object";
			case STRING -> "a string";
			case NUMBER -> "a number";
			case BOOLEAN -> "a boolean";
			case NULL -> "null";
			case END_DOCUMENT -> "nothing (the file ends)";
			default -> t.toString();
		};
	}

	private static String quote(String token) {
		return "'" + shorten(token) + "'";
	}

	private static String shorten(String s) {
		return s.length() <= 40 ? s : s.substring(0, 40) + "...";
	}

	private static String[] invert(Map<String, Integer> vocab, Path file) throws IOException {
		int maxId = 0;
		for (int id : vocab.values()) maxId = Math.max(maxId, id); // ids are checked in 0..MAX_VOCAB - 1 when read
		String[] tokens = new String[maxId + 1];
		for (Map.Entry<String, Integer> entry : vocab.entrySet()) tokens[entry.getValue()] = entry.getKey();
		return tokens;
	}

	/**
	 * As the reference: strip the file, skip its first line (the {@code #version} header), keep at most
	 * {@link #MAX_MERGES} lines; a merge's rank is its line index, a repeated merge keeping its last rank.
	 */
	private static Map<String, Integer> readMerges(Path file) throws IOException {
		requireSize(file, "merges file", "0.5 MB");
		String content;
		try {
			content = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
				.toString();
		}
		catch (IOException e) {
			throw new IOException(file + " is not UTF-8 text, so not a merges file. " + VOCAB_FIX, e);
		}
		String[] lines = pythonStrip(content).split("\n", -1);
		int end = Math.min(lines.length, MAX_MERGES + 1);
		Map<String, Integer> ranks = new HashMap<>(2 * end);
		for (int i = 1; i < end; i++) {
			List<String> pair = splitPythonWhitespace(lines[i]);
			// The reference gives a rank to any line and merges only pairs; a real merges.txt has nothing else, so
			// another line means a wrong file (an HTML page, a vocabulary) that would tokenise silently wrong.
			if (pair.size() != 2) throw new IOException(file + " is not a BPE merges file: line " + (i + 1) +
				" is " + quote(lines[i]) + ", expected two symbols separated by a space (e.g. 'i n'). " + VOCAB_FIX);
			ranks.put(pair.get(0) + ' ' + pair.get(1), i - 1);
		}
		if (ranks.isEmpty()) throw new IOException(file + " has no merges after its header line. " + VOCAB_FIX);
		return ranks;
	}

	private static String pythonStrip(String text) {
		int start = 0;
		int end = text.length();
		while (start < end && isPythonSpace(text.codePointAt(start))) start += Character.charCount(text.codePointAt(start));
		while (end > start && isPythonSpace(text.codePointBefore(end))) end -= Character.charCount(text.codePointBefore(end));
		return text.substring(start, end);
	}

	private static JsonObject readJsonObject(Path file) throws IOException {
		return Json.readObject(file, "a tokenizer configuration");
	}

	/** A special token is given as a string or as an AddedToken object {"content": ...}; null keeps the default. */
	private static void readSpecialTokens(JsonObject json, Path file, Map<String, String> special) throws IOException {
		for (String key : List.of("bos_token", "eos_token", "unk_token", "pad_token")) {
			JsonElement value = json.get(key);
			if (value == null || value.isJsonNull()) continue;
			if (value.isJsonObject()) value = value.getAsJsonObject().get("content");
			if (value == null || !value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString() ||
				value.getAsString().isEmpty())
				throw new IOException(file + ": " + key + " must be a non-empty string or an object with a string " +
					"\"content\"; fix the file or download the tokenizer files again");
			special.put(key, value.getAsString());
		}
	}

	private static int readMaxLength(JsonObject config, Path file) throws IOException {
		JsonElement value = config.get("model_max_length");
		if (value == null || value.isJsonNull()) return DEFAULT_MAX_LENGTH;
		if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber())
			throw new ConfigException(file, "model_max_length", value.toString(), "a number; CLIP uses 77");
		double length = value.getAsDouble();
		if (length >= UNSET_MAX_LENGTH) return DEFAULT_MAX_LENGTH;
		if (length < 2 || length > ConfigLimits.MAX_POSITIONS || length != Math.rint(length))
			throw new ConfigException(file, "model_max_length", value.toString(), "a whole number from 2 (room for " +
				"bos and eos) to " + ConfigLimits.MAX_POSITIONS + ", or 1e30 for no limit; CLIP uses 77");
		return (int) length;
	}
}
