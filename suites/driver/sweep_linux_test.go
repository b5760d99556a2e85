package driver

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// The sweep kills a process only while it carries the driver's tag, so a
// pid reused by someone else between the scan and the signal is spared.
func TestKillIfTagged(t *testing.T) {
	needle := []byte(tagVar + "=sweep-test\x00")
	for _, tc := range []struct {
		name string
		env  []string
		dies bool
	}{
		{"tagged", []string{tagVar + "=sweep-test"}, true},
		{"another driver's tag", []string{tagVar + "=sweep-test-2"}, false},
		{"untagged", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command("sleep", "60")
			cmd.Env = append(os.Environ(), tc.env...)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })

			killIfTagged(cmd.Process.Pid, needle)
			if tc.dies {
				<-done // the test's deadline bounds this
				return
			}
			// A SIGKILL lands within microseconds; give it ample time.
			if waitFor(done, 100*time.Millisecond) {
				t.Fatalf("process %d without the tag was killed", cmd.Process.Pid)
			}
		})
	}
}
