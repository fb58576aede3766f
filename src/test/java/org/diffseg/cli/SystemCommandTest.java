package org.diffseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonParser;

class SystemCommandTest {

	private record Result(int code, String out, String err) {}

	private static Result run(String... args) {
		StringWriter out = new StringWriter(), err = new StringWriter();
		int code = DiffSegCli.run(args, new PrintWriter(out), new PrintWriter(err));
		return new Result(code, out.toString(), err.toString());
	}

	@Test
	void printsTheReport() {
		Result r = run("system");
		assertEquals(DiffSegCli.EXIT_OK, r.code(), r.err());
		assertTrue(r.out().contains("engine:") && r.out().contains("device:  cpu"), r.out());
	}

	@Test
	void printsJson() {
		Result r = run("system", "--json", "--device", "cpu");
		assertEquals(DiffSegCli.EXIT_OK, r.code(), r.err());
		var json = JsonParser.parseString(r.out()).getAsJsonObject();
		assertEquals("cpu", json.getAsJsonObject("device").get("device").getAsString());
		assertEquals("--device", json.getAsJsonObject("device").get("requestedBy").getAsString());
	}

	@Test
	void aMalformedDeviceIsAUsageError() {
		Result r = run("system", "--device", "gpu:x");
		assertEquals(DiffSegCli.EXIT_USAGE, r.code());
		assertTrue(r.err().contains("'gpu:x'") && r.err().contains("gpu:N"), r.err());
	}

	@Test
	void anUnavailableGpuFailsWithOneLineAfterTheReport() {
		Result r = run("system", "--device", "gpu:0");
		assertEquals(DiffSegCli.EXIT_FAILURE, r.code());
		assertTrue(r.out().contains("device:  none"), r.out());
		assertEquals(1, r.err().strip().lines().count(), r.err());
		assertTrue(r.err().startsWith("diffseg: Cannot use gpu:0"), r.err());
	}
}
