// Package sdk is an SDK's own test package as its authors write it: the
// ginkgo suite and the plain go test suite, both against the naive
// client, which fails expired-token. ginkgosuite_test runs it with
// `go test` and reads what a user would see.
package sdk

import (
	"testing"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/authchaos/authchaos/clients/naive"
	"github.com/authchaos/authchaos/suites"
	"github.com/authchaos/authchaos/suites/ginkgosuite"
)

var _ = ginkgosuite.Describe("naive", naive.Factory(), ginkgosuite.WithScenarios("expired-token", "forbidden-not-unauthorized")) // DESCRIBE LINE

func TestGinkgo(t *testing.T) {
	gomega.RegisterFailHandler(ginkgo.Fail)
	ginkgo.RunSpecs(t, "sdk")
}

func TestPlain(t *testing.T) {
	suites.Test(t, "naive", naive.Factory(), suites.WithScenarios("expired-token", "forbidden-not-unauthorized"))
}
