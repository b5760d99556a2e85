package journal_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/authchaos/authchaos/fakeserver/journal"
)

func TestRecordCutsLongFieldsVisibly(t *testing.T) {
	j := journal.New(10)
	long := "/api/" + strings.Repeat("é", 100_000) // 200 KB, multi-byte runes
	e := j.Record(journal.Entry{Seq: j.Arrive(), Path: long, Host: "h", Reason: journal.NotFound})
	if len(e.Path) > journal.MaxField+32 {
		t.Fatalf("path kept %d bytes, want at most about %d", len(e.Path), journal.MaxField)
	}
	if !strings.Contains(e.Path, "…[+") || !strings.HasPrefix(long, strings.Split(e.Path, "…")[0]) {
		t.Fatalf("cut path %q… does not mark the cut or keep the start", e.Path[:40])
	}
	if !utf8.ValidString(e.Path) {
		t.Fatalf("cut split a UTF-8 sequence")
	}
	if got := j.Truncated(); got != 1 {
		t.Fatalf("Truncated = %d, want 1", got)
	}
	if got := j.Entries(0)[0].Path; got != e.Path {
		t.Fatalf("stored path differs from returned one")
	}
	j.Record(journal.Entry{Seq: j.Arrive(), Path: "/short"})
	if got := j.Truncated(); got != 1 {
		t.Fatalf("a short entry counted as truncated: %d", got)
	}
}

func TestEntriesSinceAndCap(t *testing.T) {
	j := journal.New(3)
	for range 5 {
		j.Record(journal.Entry{Seq: j.Arrive()})
	}
	var seqs []int64
	for _, e := range j.Entries(3) {
		seqs = append(seqs, e.Seq)
	}
	if len(seqs) != 2 || seqs[0] != 4 || seqs[1] != 5 {
		t.Fatalf("Entries(3) = %v, want [4 5]", seqs)
	}
	if j.Dropped() != 2 || len(j.Entries(0)) != 3 {
		t.Fatalf("dropped %d, kept %d; want 2 and 3", j.Dropped(), len(j.Entries(0)))
	}
	// Out-of-order arrival: a slow request answered last sits in place.
	k := journal.New(10)
	a, b := k.Arrive(), k.Arrive()
	k.Record(journal.Entry{Seq: b})
	k.Record(journal.Entry{Seq: a})
	if es := k.Entries(0); es[0].Seq != a || es[1].Seq != b {
		t.Fatalf("entries not in arrival order: %v", es)
	}
}

// Only the newest DetailCap entries keep their exchange, so a full
// journal holds a bounded number of them whatever its capacity.
func TestOnlyTheNewestEntriesKeepTheirExchange(t *testing.T) {
	j := journal.New(journal.DetailCap + 500)
	for range journal.DetailCap + 100 {
		j.Record(journal.Entry{Seq: j.Arrive(), Request: &journal.Message{Body: "b"}, Response: &journal.Message{Body: "b"}})
	}
	es := j.Entries(0)
	for i, e := range es {
		kept := e.Request != nil && e.Response != nil
		if want := i >= len(es)-journal.DetailCap; kept != want {
			t.Fatalf("entry %d of %d keeps its exchange: %v, want %v", i, len(es), kept, want)
		}
	}
}
