package suites_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/authchaos/authchaos/clients/naive"
	"github.com/authchaos/authchaos/clients/resilient"
	"github.com/authchaos/authchaos/suites"
	"github.com/authchaos/authchaos/suites/adapter"
)

func TestZZDebug(t *testing.T) {
	ids := []string{os.Getenv("SC")}
	f := map[string]adapter.Factory{"naive": naive.Factory(), "resilient": resilient.Factory()}[os.Getenv("CL")]
	rep, _ := suites.Run(context.Background(), suites.Options{Factory: f, Scenarios: ids})
	for _, e := range rep.Results[0].Journal {
		fmt.Printf("%d %s %s %s%s %s %s %d %s %s ra=%s loc=%s\n", e.Seq, e.At.Format("05.000"), e.Method, e.Host, e.Path, e.Scheme, e.Credential, e.Status, e.Reason, e.Origin, e.RetryAfter, e.Location)
	}
	fmt.Println(rep.Results[0].Calls, rep.Results[0].Detail)
}
