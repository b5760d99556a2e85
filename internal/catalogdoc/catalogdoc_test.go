package catalogdoc

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/authchaos/authchaos/scenarios"
)

var update = flag.Bool("update", false, "rewrite README.md's catalog table")

const readmePath = "../../README.md"

// TestReadmeTableMatchesCatalog fails when README.md's table and the
// registry disagree; `make readme` regenerates it.
func TestReadmeTableMatchesCatalog(t *testing.T) {
	raw, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Splice(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(readmePath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want != string(raw) {
		t.Fatalf("README.md's scenario table is out of date with the catalog: run `make readme`")
	}
	for _, sc := range scenarios.All() {
		if !strings.Contains(string(raw), "| `"+sc.ID+"` |") {
			t.Errorf("README.md has no row for %s", sc.ID)
		}
	}
}

func TestSpliceNeedsMarkers(t *testing.T) {
	if _, err := Splice("no markers here"); err == nil {
		t.Fatal("Splice accepted a README without markers")
	}
}
