package suites_test

import (
	"github.com/authchaos/authchaos/clients/resilient"
	"github.com/authchaos/authchaos/suites/ginkgosuite"
)

// The reference client must recover correctly in every scenario and
// every variant it declares: this is the one line an SDK team writes for
// its own client (WithDeclaredVariants and WithStrict are optional).
var _ = ginkgosuite.Describe("resilient", resilient.Factory(), ginkgosuite.WithDeclaredVariants(), ginkgosuite.WithStrict())
