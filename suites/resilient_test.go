package suites_test

import (
	"github.com/authchaos/authchaos/clients/resilient"
	"github.com/authchaos/authchaos/suites"
)

// The reference client must recover correctly in every scenario: this
// is the one line an SDK team writes for its own client.
var _ = suites.Describe("resilient", resilient.Factory())
