package org.diffseg.sd.scheduler;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class SchedulersTest {
	@Test
	void createsEachKind() throws Exception {
		SchedulerConfig c = SchedulerTestSupport.fixtureConfig();
		try (Scheduler ddim = Schedulers.create(c, "ddim"); Scheduler dpm = Schedulers.create(c, "DPM++");
			Scheduler pndm = Schedulers.create(c, "pndm"))
		{
			assertInstanceOf(DdimScheduler.class, ddim);
			assertInstanceOf(DpmSolverMultistepScheduler.class, dpm);
			assertInstanceOf(PndmScheduler.class, pndm);
			for (Scheduler s : new Scheduler[] { ddim, dpm, pndm }) assertEquals(1f, s.initNoiseSigma());
		}
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Schedulers.create(c, "euler"));
		assertTrue(e.getMessage().contains("ddim, dpm++, pndm"), e.getMessage());
	}
}
