package org.diffseg.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW ({@code torch.optim.AdamW}: decoupled weight decay, bias-corrected moments) over named NDArrays, updated in
 * place through detached views, with optional clipping of the global gradient norm. The moments live in this
 * optimiser's manager and can be saved and restored (checkpoints).
 */
final class AdamW implements AutoCloseable {
	private static final NDIndex ALL = new NDIndex("...");
	final float beta1, beta2, eps;
	final Map<String, NDArray> params;
	final Map<String, NDArray> m = new LinkedHashMap<>(), v = new LinkedHashMap<>();
	private final NDManager manager;
	/** Updates done so far (bias correction). */
	long t;

	AdamW(NDManager parent, Map<String, NDArray> params) {
		this(parent, params, 0.9f, 0.999f, 1e-8f);
	}

	AdamW(NDManager parent, Map<String, NDArray> params, float beta1, float beta2, float eps) {
		this.params = params;
		this.beta1 = beta1;
		this.beta2 = beta2;
		this.eps = eps;
		this.manager = parent.newSubManager();
		for (Map.Entry<String, NDArray> e : params.entrySet()) {
			m.put(e.getKey(), manager.zeros(e.getValue().getShape()));
			v.put(e.getKey(), manager.zeros(e.getValue().getShape()));
		}
	}

	/**
	 * The global L2 norm of the gradients (before clipping). Clips to {@code maxNorm} when positive, then updates
	 * every parameter and zeroes its gradient. A step whose gradients are not finite only zeroes them (and returns a
	 * non-finite norm).
	 */
	float step(float lr, float weightDecay, float maxNorm) {
		t++;
		double sq = 0;
		try (NDManager scope = manager.newSubManager()) {
			for (NDArray p : params.values()) {
				NDArray g = p.getGradient();
				g.attach(scope);
				sq += g.square().sum().getFloat();
			}
		}
		float norm = (float) Math.sqrt(sq);
		if (!Double.isFinite(sq)) { // a non-finite gradient would poison the weights and the moments: skip the step
			t--;
			zeroGradients();
			return norm;
		}
		float scale = maxNorm > 0 && norm > maxNorm ? maxNorm / (norm + 1e-6f) : 1f;
		float c1 = (float) (1 - Math.pow(beta1, t)), c2 = (float) (1 - Math.pow(beta2, t));
		for (Map.Entry<String, NDArray> e : params.entrySet()) {
			NDArray p = e.getValue();
			try (NDManager scope = manager.newSubManager()) {
				NDArray g = p.getGradient();
				g.attach(scope);
				NDArray gs = scale == 1f ? g : g.mul(scale);
				NDArray mi = m.get(e.getKey()), vi = v.get(e.getKey());
				mi.muli(beta1).addi(gs.mul(1 - beta1));
				vi.muli(beta2).addi(gs.square().muli(1 - beta2));
				// mi.div(..) would belong to the moments' (long-lived) manager: scoped, or every step leaks two copies
				NDArray mHat = mi.div(c1), vHat = vi.div(c2);
				mHat.attach(scope);
				vHat.attach(scope);
				NDArray update = mHat.divi(vHat.sqrt().addi(eps)).muli(lr); // sqrt() of a scoped array stays scoped
				NDArray data = p.stopGradient();
				data.attach(scope);
				if (weightDecay > 0 && p.getShape().dimension() > 1) data.muli(1 - lr * weightDecay);
				data.subi(update);
				g.set(ALL, 0);
			}
		}
		return norm;
	}

	/** Zeroes the gradients without updating (a skipped step). */
	void zeroGradients() {
		for (NDArray p : params.values()) {
			try (NDManager scope = manager.newSubManager()) {
				NDArray g = p.getGradient();
				g.attach(scope);
				g.set(ALL, 0);
			}
		}
	}

	/** Arrays held by the optimiser's manager (the moments; for leak tests). */
	int managedArrays() {
		return manager.getManagedArrays().size();
	}

	@Override
	public void close() {
		manager.close();
	}
}
