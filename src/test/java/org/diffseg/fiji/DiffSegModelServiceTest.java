package org.diffseg.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.scijava.Context;

class DiffSegModelServiceTest {

	/** Stands in for a loaded network: remembers whether its native memory was freed. */
	static final class FakeModel implements AutoCloseable {
		final String name;
		volatile boolean closed;

		FakeModel(String name) {
			this.name = name;
		}

		@Override
		public void close() {
			closed = true;
		}
	}

	private Context context;
	private DiffSegModelService models;
	private final AtomicInteger loads = new AtomicInteger();
	private final Path folder = Path.of("models/tiny-sd-a");

	@BeforeEach
	void start() {
		context = new Context(DiffSegModelService.class);
		models = context.service(DiffSegModelService.class);
	}

	@AfterEach
	void stop() {
		context.dispose();
	}

	private FakeModel load(Path folder, String device, String dtype) throws IOException {
		return models.get(folder, device, dtype, FakeModel.class, () -> new FakeModel(folder + "/" + device + "/" +
			dtype + "#" + loads.incrementAndGet()));
	}

	@Test
	void loadsOncePerKeyAndReuses() throws IOException {
		FakeModel a = load(folder, "cpu", "float32");
		assertSame(a, load(Path.of("models/../models/tiny-sd-a").toAbsolutePath(), " CPU", "FLOAT32"),
			"the same folder, device and dtype, however written");
		FakeModel half = load(folder, "cpu", "float16");
		assertNotSame(a, half);
		assertEquals(2, loads.get());
		assertEquals(List.of(folder.toAbsolutePath().normalize()), models.loaded().stream().map(k -> k.folder()).distinct()
			.toList());
		assertEquals(2, models.loaded().size());
	}

	@Test
	void releaseFreesOnlyThatKeyAndTheNextGetReloads() throws IOException {
		FakeModel a = load(folder, "cpu", "float32"), b = load(folder, "cuda:0", "float32");
		assertEquals(1, models.release(folder, "cpu", "float32"));
		assertTrue(a.closed);
		assertFalse(b.closed);
		FakeModel again = load(folder, "cpu", "float32");
		assertNotSame(a, again);
		assertEquals(3, loads.get());
		assertEquals(0, models.release(Path.of("elsewhere"), "cpu", "float32"));
	}

	@Test
	void disposingTheContextFreesEverything() throws IOException {
		FakeModel a = load(folder, "cpu", "float32"), b = load(folder, "cuda:0", "float16");
		context.dispose();
		assertTrue(a.closed && b.closed);
		assertThrows(IllegalStateException.class, () -> load(folder, "cpu", "float32"));
	}

	@Test
	void aFailedLoadIsForgottenAndRetried() throws IOException {
		IOException missing = new IOException("models/tiny-sd-a/unet: no such folder");
		assertSame(missing, assertThrows(IOException.class, () -> models.get(folder, "cpu", "float32", FakeModel.class,
			() -> {
				throw missing;
			})));
		assertTrue(models.loaded().isEmpty());
		load(folder, "cpu", "float32");
		assertEquals(1, loads.get());
	}

	@Test
	void concurrentRequestsShareOneLoad() throws Exception {
		CountDownLatch loading = new CountDownLatch(1), release = new CountDownLatch(1);
		CompletableFuture<FakeModel> first = CompletableFuture.supplyAsync(() -> get(() -> {
			loading.countDown();
			await(release);
			return new FakeModel("slow#" + loads.incrementAndGet());
		}));
		assertTrue(loading.await(10, TimeUnit.SECONDS));
		CompletableFuture<FakeModel> second = CompletableFuture.supplyAsync(() -> get(() -> new FakeModel("never#" +
			loads.incrementAndGet())));
		release.countDown();
		assertSame(first.get(10, TimeUnit.SECONDS), second.get(10, TimeUnit.SECONDS));
		assertEquals(1, loads.get());
	}

	@Test
	void interruptionCancelsLoading() throws Exception {
		// interrupted before: nothing is loaded
		Thread.currentThread().interrupt();
		try {
			assertThrows(CancellationException.class, () -> load(folder, "cpu", "float32"));
		}
		finally {
			Thread.interrupted();
		}
		assertEquals(0, loads.get());

		// a loader that stops on interruption: the request is cancelled and forgotten
		assertThrows(CancellationException.class, () -> models.get(folder, "cpu", "float32", FakeModel.class, () -> {
			throw new InterruptedIOException("interrupted while reading unet weights");
		}));
		assertTrue(models.loaded().isEmpty());

		// interrupted while waiting for another thread's load
		CountDownLatch loading = new CountDownLatch(1), release = new CountDownLatch(1);
		CompletableFuture<FakeModel> slow = CompletableFuture.supplyAsync(() -> get(() -> {
			loading.countDown();
			await(release);
			return new FakeModel("slow");
		}));
		assertTrue(loading.await(10, TimeUnit.SECONDS));
		AtomicReference<Throwable> waiter = new AtomicReference<>();
		Thread t = new Thread(() -> {
			try {
				load(folder, "cpu", "float32");
			}
			catch (Throwable e) {
				waiter.set(e);
			}
		});
		t.start();
		while (t.getState() != Thread.State.WAITING && t.isAlive()) Thread.sleep(1);
		t.interrupt();
		t.join(10_000);
		assertTrue(waiter.get() instanceof CancellationException, String.valueOf(waiter.get()));
		release.countDown();
		assertEquals("slow", slow.get(10, TimeUnit.SECONDS).name, "the load itself goes on and is kept");
		assertEquals(1, models.loaded().size());
	}

	@Test
	void oneRunPerDevice() throws Exception {
		try (RunLease lease = models.acquire("CUDA:0")) {
			assertEquals("cuda:0", lease.device());
			try (RunLease nested = models.acquire("cuda:0")) {
				assertEquals("cuda:0", nested.device(), "the holding thread may run a command inside its run");
			}
			ExecutionException busy = assertThrows(ExecutionException.class, () -> CompletableFuture.runAsync(() ->
				models.acquire("cuda:0").close()).get(10, TimeUnit.SECONDS));
			assertTrue(busy.getCause() instanceof DeviceBusyException);
			assertEquals("another DiffSeg run is using the GPU (cuda:0); wait for it or cancel it.", busy.getCause()
				.getMessage());
			CompletableFuture.runAsync(() -> models.acquire("cpu").close()).get(10, TimeUnit.SECONDS);
			ExecutionException release = assertThrows(ExecutionException.class, () -> CompletableFuture.runAsync(() ->
				models.release(folder, "cuda:0", "float32")).get(10, TimeUnit.SECONDS));
			assertTrue(release.getCause() instanceof DeviceBusyException, "models in use are not freed under a run");
		}
		CompletableFuture.runAsync(() -> models.acquire("cuda:0").close()).get(10, TimeUnit.SECONDS);
	}

	@Test
	void cpuBusyMessageSaysCpu() {
		assertEquals("another DiffSeg run is using the CPU; wait for it or cancel it.",
			new DeviceBusyException("cpu").getMessage());
	}

	private FakeModel get(DiffSegModelService.Loader<FakeModel> loader) {
		try {
			return models.get(folder, "cpu", "float32", FakeModel.class, loader);
		}
		catch (IOException e) {
			throw new RuntimeException(e);
		}
	}

	private static void await(CountDownLatch latch) throws InterruptedIOException {
		try {
			if (!latch.await(10, TimeUnit.SECONDS)) throw new IllegalStateException("test latch timed out");
		}
		catch (InterruptedException e) {
			throw new InterruptedIOException();
		}
	}
}
