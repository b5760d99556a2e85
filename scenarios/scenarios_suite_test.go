package scenarios_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// Each scenario's spec proves, through HTTP and the journal only, that the
// fake server reproduces the failure mode. The client side (does a client
// recover?) is package suites' business.
func TestScenarios(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Scenarios")
}
