package suites_test

import (
	"encoding/json"
	"testing"

	"github.com/authchaos/authchaos/suites"
)

// FuzzParseJournal feeds `judge --journal` what a user's file might hold.
// The parser must never panic, must only return journals in arrival order,
// and what it returns must be judged by every kind without a panic: the
// judge reads untrusted journals too, now.
func FuzzParseJournal(f *testing.F) {
	for _, seed := range []string{
		`[{"seq":1,"at":"2026-01-01T00:00:00Z","host":"h","method":"GET","path":"/api/me","scheme":"Bearer","credential":"c","status":401,"reason":"token_expired","origin":"app"},{"seq":2,"method":"POST","path":"/oauth/token","status":200,"grant":"refresh_token"},{"seq":3,"method":"GET","path":"/api/me","scheme":"Bearer","credential":"d","status":200}]`,
		"{\"seq\":1,\"path\":\"/api/x\",\"status\":307,\"reason\":\"redirect\",\"location\":\"http://o/x\"}\n{\"seq\":2,\"host\":\"o\",\"path\":\"/x\",\"origin\":\"other-origin\",\"scheme\":\"Bearer\",\"status\":200}\n",
		`{"client":"c","results":[{"scenario":"waf-block","journal":[{"seq":1,"path":"/api/items","status":401,"origin":"waf","retry_after":"1"}]}]}`,
		`[{"seq":2},{"seq":1}]`, `[{"seq":"1"}]`, "[\n{", "", "<html>", `{"results":[]}`, `[] []`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		es, err := suites.ParseJournal(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error with no message")
			}
			return
		}
		for i, e := range es {
			if e.Seq <= 0 || i > 0 && e.Seq <= es[i-1].Seq {
				t.Fatalf("entry %d has seq %d after %v", i, e.Seq, es)
			}
		}
		raw, err := json.Marshal(es)
		if err != nil {
			t.Fatal(err)
		}
		again, err := suites.ParseJournal(raw)
		if err != nil && len(es) > 0 {
			t.Fatalf("a journal it returned does not parse again: %v\n%s", err, raw)
		}
		if len(again) != len(es) {
			t.Fatalf("%d entries, %d after a round trip", len(es), len(again))
		}
		for _, kind := range suites.TrafficKinds() {
			if _, err := suites.JudgeTraffic(kind, es, suites.TrafficOptions{}); err != nil {
				t.Fatalf("%s: %v", kind, err)
			}
		}
	})
}
