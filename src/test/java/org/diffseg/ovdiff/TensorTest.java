package org.diffseg.ovdiff;

import ai.djl.ndarray.NDManager;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** A test class's NDManager {@code m}: opened before its tests, closed (freeing every tensor left in it) after. */
abstract class TensorTest {
	static NDManager m;

	@BeforeAll
	static void openManager() {
		m = NDManager.newBaseManager();
	}

	@AfterAll
	static void closeManager() {
		m.close();
	}
}
