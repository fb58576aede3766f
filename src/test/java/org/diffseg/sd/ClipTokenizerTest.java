package org.diffseg.sd;

import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipTokenizerTest {
	private static final Path SD_TOKENIZER = Path.of("models/tiny-sd-a/tokenizer");
	private static final Path SD_REFERENCE = Path.of("models/tiny-sd-a/reference");
	private static final Path VIT = Path.of("models/tiny-vit");

	private static ClipTokenizer tokenizer;

	@BeforeAll
	static void loadTokenizer() throws IOException {
		tokenizer = ClipTokenizer.load(SD_TOKENIZER);
	}

	private static JsonObject readJson(Path file) throws IOException {
		return JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
	}

	private static long[] row(long[] matrix, int row, int width) {
		return Arrays.copyOfRange(matrix, row * width, (row + 1) * width);
	}

	@Test
	void reproducesEveryFixturePrompt() throws IOException {
		JsonArray prompts = readJson(SD_REFERENCE.resolve("prompts.json")).getAsJsonArray("prompts");
		try (SafeTensors st = SafeTensors.open(SD_REFERENCE.resolve("tokenizer.safetensors"))) {
			assertArrayEquals(new long[] { 17, 77 }, st.info("input_ids").shape());
			long[] inputIds = st.readLongs("input_ids");
			long[] mask = st.readLongs("attention_mask");
			long[] counts = st.readLongs("num_text_tokens");
			assertEquals(17, prompts.size());
			for (JsonElement element : prompts) {
				JsonObject prompt = element.getAsJsonObject();
				int i = prompt.get("index").getAsInt();
				String text = prompt.get("text").getAsString();
				List<String> expectedBpe = new ArrayList<>();
				for (JsonElement token : prompt.getAsJsonArray("bpe_tokens")) expectedBpe.add(token.getAsString());
				String label = "prompt " + i + " '" + prompt.get("escaped").getAsString() + "'";

				assertEquals(expectedBpe, tokenizer.bpeTokens(text), label);
				ClipTokenizer.Encoding encoding = tokenizer.encode(text);
				assertArrayEquals(row(inputIds, i, 77), encoding.ids(), label);
				assertArrayEquals(row(mask, i, 77), encoding.attentionMask(), label);
				assertEquals(counts[i], encoding.textTokenCount(), label);
				assertEquals(counts[i] > 75, encoding.truncated(), label);
				assertEquals(counts[i], tokenizer.textTokenIds(text).size(), label);
			}
		}
	}

	@Test
	void reproducesTinyVitPrompts() throws IOException {
		ClipTokenizer vitTokenizer = ClipTokenizer.load(VIT.resolve("tiny-clip"));
		JsonArray prompts = readJson(VIT.resolve("reference/prompts.json")).getAsJsonArray("prompts");
		try (SafeTensors st = SafeTensors.open(VIT.resolve("reference/clip_text.safetensors"))) {
			long[] inputIds = st.readLongs("input_ids");
			assertEquals(5, prompts.size());
			for (int i = 0; i < prompts.size(); i++)
				assertArrayEquals(row(inputIds, i, 77), vitTokenizer.encode(prompts.get(i).getAsString()).ids(),
					"prompt " + i);
		}
	}

	@Test
	void basicPromptAndAccessors() {
		assertEquals(77, tokenizer.maxLength());
		assertEquals(49406, tokenizer.bosId());
		assertEquals(49407, tokenizer.eosId());
		assertEquals(49407, tokenizer.padId());
		assertEquals(List.of(320, 1125, 539, 320, 2368), tokenizer.textTokenIds("a photo of a cat"));
		assertEquals("cat</w>", tokenizer.decodeToken(2368));
		assertEquals("<|startoftext|>", tokenizer.decodeToken(49406));
		assertThrows(IllegalArgumentException.class, () -> tokenizer.decodeToken(49408));
		assertThrows(IllegalArgumentException.class, () -> tokenizer.decodeToken(-1));
	}

	@Test
	void nullTextIsRefused() {
		assertThrows(IllegalArgumentException.class, () -> tokenizer.encode(null));
		assertThrows(IllegalArgumentException.class, () -> tokenizer.bpeTokens(null));
	}

	@Test
	void caseVariantsOfSpecialStringsStillMapToSpecialIds() {
		// Not cut out (the raw text differs), but after lower-casing the regex keeps them whole and the
		// reference's pre-seeded BPE cache returns them without </w>.
		assertEquals(List.of("a</w>", "<|endoftext|>", "b</w>"), tokenizer.bpeTokens("A<|EndOfText|>b"));
		assertEquals(List.of(320, 49407, 321), tokenizer.textTokenIds("A<|EndOfText|>b"));
	}

	@Test
	void cleaningDropsControlsAndSplitsOnUnicodeSpaces() {
		// U+00A0 (Zs) and U+2028 (a Python str.split separator) separate words; U+200B (Cf), U+0007 (Cc),
		// U+E000 (Co) and U+FFFD vanish without splitting.
		assertEquals(tokenizer.bpeTokens("a cat sat"), tokenizer.bpeTokens("a\u00A0c\u200Ba\u0007t\u2028s\uE000a\uFFFDt"));
		// CJK ideographs are spaced out (two words, two </w>); hangul is not (one word).
		assertEquals(2, tokenizer.bpeTokens("\u732B\u732B").stream().filter(t -> t.endsWith("</w>")).count());
		assertEquals(List.of("\u00ED\u0137", "\u013E", "\u00ED\u0137", "\u013E</w>"), tokenizer.bpeTokens("\uD55C\uD55C"));
	}

	@Test
	void followsPythonCaseRules() {
		// Expected values from a literal Python port of the reference: str.lower() gives a final sigma after a
		// cased letter only (ς = CF 82 -> "Ï" "Ĥ"; σ = CF 83 -> "Ï" "ĥ"), İ becomes i + U+0307, the case-insensitive
		// regex keeps "'ſ" together and matches U+0345 with no alternative (dropped).
		assertEquals(List.of("\u00CF", "\u0124</w>"), tail(tokenizer.bpeTokens("\u039F\u0394\u039F\u03A3"), 2));
		assertEquals(List.of("\u00CF", "\u0125</w>"), tail(tokenizer.bpeTokens("\u093F\u03A3"), 2));
		assertEquals(List.of("\u00CF", "\u0125", "\u00CE", "\u00B1</w>"), tokenizer.bpeTokens("\u03A3\u0391"));
		assertEquals(List.of(328, 16384, 11231), tokenizer.textTokenIds("\u0130stanbul"));
		assertEquals(List.of("it</w>", "'", "\u00C5", "\u00BF</w>"), tokenizer.bpeTokens("it'\u017F"));
		assertEquals(List.of("a</w>", "b</w>"), tokenizer.bpeTokens("a\u0345b"));
	}

	private static List<String> tail(List<String> list, int n) {
		return list.subList(list.size() - n, list.size());
	}

	@Test
	void padTokenOtherThanEos(@TempDir Path dir) throws IOException {
		copyVocabAndMerges(dir);
		Files.copy(SD_TOKENIZER.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
		JsonObject map = readJson(SD_TOKENIZER.resolve("special_tokens_map.json"));
		map.addProperty("pad_token", "!"); // SD-2.x style
		Files.writeString(dir.resolve("special_tokens_map.json"), map.toString());
		ClipTokenizer sd2 = ClipTokenizer.load(dir);
		assertEquals(0, sd2.padId());
		assertEquals(49407, sd2.eosId());

		long[] expected = new long[77];
		long[] prefix = { 49406, 320, 2368, 49407 };
		System.arraycopy(prefix, 0, expected, 0, prefix.length);
		ClipTokenizer.Encoding encoding = sd2.encode("a cat");
		assertArrayEquals(expected, encoding.ids());
		long[] mask = new long[77];
		Arrays.fill(mask, 0, 4, 1L);
		assertArrayEquals(mask, encoding.attentionMask());

		// The pad string is a special token: a literal "!" is cut out as id 0, not tokenised as "!</w>" (256).
		assertEquals(256, tokenizer.textTokenIds("a cat!").get(2));
		assertEquals("!</w>", tokenizer.decodeToken(256));
		assertEquals(List.of(320, 2368, 0, 0), sd2.textTokenIds("a cat!!"));
		assertEquals(List.of("a</w>", "!", "b</w>"), sd2.bpeTokens("a!b"));
	}

	@Test
	void defaultsWithoutConfigFiles(@TempDir Path dir) throws IOException {
		copyVocabAndMerges(dir);
		ClipTokenizer plain = ClipTokenizer.load(dir);
		assertEquals(77, plain.maxLength());
		assertEquals(49406, plain.bosId());
		assertEquals(49407, plain.eosId());
		assertEquals(49407, plain.padId());
		assertArrayEquals(tokenizer.encode("a cat<|endoftext|>a dog").ids(), plain.encode("a cat<|endoftext|>a dog").ids());
	}

	@Test
	void modelMaxLengthAndTokenObjectsFromConfig(@TempDir Path dir) throws IOException {
		copyVocabAndMerges(dir);
		JsonObject config = new JsonObject();
		config.addProperty("model_max_length", 6);
		JsonObject pad = new JsonObject();
		pad.addProperty("content", "!");
		config.add("pad_token", pad);
		Files.writeString(dir.resolve("tokenizer_config.json"), config.toString());
		ClipTokenizer shortTokenizer = ClipTokenizer.load(dir);
		assertEquals(6, shortTokenizer.maxLength());
		ClipTokenizer.Encoding encoding = shortTokenizer.encode("a photo of a cat");
		assertArrayEquals(new long[] { 49406, 320, 1125, 539, 320, 49407 }, encoding.ids());
		assertEquals(5, encoding.textTokenCount());
		assertTrue(encoding.truncated());
		assertArrayEquals(new long[] { 49406, 320, 49407, 0, 0, 0 }, shortTokenizer.encode("a").ids());
	}

	@Test
	void missingOrBadFilesGiveClearErrors(@TempDir Path dir) throws IOException {
		IOException missingVocab = assertThrows(IOException.class, () -> ClipTokenizer.load(dir));
		assertTrue(missingVocab.getMessage().contains("vocab.json"), missingVocab.getMessage());
		Files.copy(SD_TOKENIZER.resolve("vocab.json"), dir.resolve("vocab.json"));
		IOException missingMerges = assertThrows(IOException.class, () -> ClipTokenizer.load(dir));
		assertTrue(missingMerges.getMessage().contains("merges.txt"), missingMerges.getMessage());
		Files.copy(SD_TOKENIZER.resolve("merges.txt"), dir.resolve("merges.txt"));
		Files.writeString(dir.resolve("special_tokens_map.json"), "{\"pad_token\": \"<|notaword|>\"}");
		IOException unknownPad = assertThrows(IOException.class, () -> ClipTokenizer.load(dir));
		assertTrue(unknownPad.getMessage().contains("<|notaword|>"), unknownPad.getMessage());
		Files.writeString(dir.resolve("special_tokens_map.json"), "{\"pad_token\": ");
		IOException badJson = assertThrows(IOException.class, () -> ClipTokenizer.load(dir));
		assertTrue(badJson.getMessage().contains("special_tokens_map.json"), badJson.getMessage());
	}

	private static void copyVocabAndMerges(Path dir) throws IOException {
		Files.copy(SD_TOKENIZER.resolve("vocab.json"), dir.resolve("vocab.json"));
		Files.copy(SD_TOKENIZER.resolve("merges.txt"), dir.resolve("merges.txt"));
	}
}
