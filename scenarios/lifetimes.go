package scenarios

import "github.com/authchaos/authchaos/fakeserver/fault"

// workloadAccessTTL is the access-token lifetime the token workloads are
// written against: they advance the clock 6 minutes to get past it.
const workloadAccessTTL = 5 * minute

// pinAccessTTL makes access tokens live workloadAccessTTL unless another
// active scenario (expired-token's lifetime, say) already chose one, so a
// configuration with long-lived tokens cannot make a workload miss.
func pinAccessTTL(k *fault.Knobs) {
	if k.AccessTTL == 0 {
		k.AccessTTL = workloadAccessTTL
	}
}
