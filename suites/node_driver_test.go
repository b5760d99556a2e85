package suites_test

import (
	"os"
	"os/exec"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/authchaos/authchaos/suites/driver"
	"github.com/authchaos/authchaos/suites/ginkgosuite"
)

// The Node.js reference driver (what SDK teams in other languages copy)
// runs through the whole catalog over the driver protocol, as
// `authchaos run --driver` would run it. CI installs node; a developer
// without it sees the specs skipped, not failed.
var _ = func() bool {
	if _, err := exec.LookPath("node"); err != nil {
		return Describe("authchaos recovery of the Node.js reference driver", func() {
			It("needs node on PATH", func() {
				if os.Getenv("CI") != "" {
					Fail("node is not on PATH in CI: .ci/run must install nodejs")
				}
				Skip("node is not on PATH")
			})
		})
	}
	return ginkgosuite.Describe("node-driver", driver.Factory(driver.Options{
		Command: "node ../examples/drivers/node/driver.js",
		Timeout: 15 * time.Second,
	}))
}()
