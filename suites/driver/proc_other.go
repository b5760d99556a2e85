//go:build !unix

package driver

import "os/exec"

// Without process groups only the direct child can be reached; drivers are
// run through sh, so this is a best effort for builds outside unix.
func setProcessGroup(*exec.Cmd) {}

func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}
