//go:build unix

package driver

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts sh and everything it starts in a group of their own,
// so killGroup reaches the driver even when sh forked it instead of
// exec-ing it, and reaches whatever the driver forked in turn.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func killGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	// ESRCH just means everyone is already gone.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
