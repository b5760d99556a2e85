package driver

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// sweepRounds bounds the kill-and-look-again loop: a process may fork
// between the scan that finds it and the signal that kills it, and the
// next round finds the child.
const sweepRounds = 8

// killTagged kills every process whose environment carries tag: the
// driver's descendants, including those that left its process group and
// session with setsid, which no group signal reaches. A descendant that
// replaced its whole environment (env -i) is out of reach; none of the
// drivers we know do that.
func killTagged(tag string) {
	needle := []byte(tagVar + "=" + tag + "\x00")
	self := os.Getpid()
	for range sweepRounds {
		pids := tagged(needle, self)
		if len(pids) == 0 {
			return
		}
		for _, pid := range pids {
			killIfTagged(pid, needle)
		}
	}
}

// killIfTagged kills pid if it still carries the tag. A pidfd pins the
// process: the pid found by the scan may have exited and been reused
// since, so the tag is read again once the pidfd holds the process, and
// the signal goes through the pidfd. Kernels before 5.3 have no pidfd;
// there the signal goes to the pid, with the race it closes.
func killIfTagged(pid int, needle []byte) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		if errors.Is(err, unix.ENOSYS) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		return // ESRCH: gone already
	}
	defer unix.Close(fd)
	if !hasTag(pid, needle) {
		return
	}
	_ = unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0)
}

// tagged lists the live processes whose environment holds needle. Reading
// another user's environ fails, and a zombie's is empty: both are skipped,
// as neither can be ours to kill.
func tagged(needle []byte, self int) []int {
	dir, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	defer dir.Close()
	names, _ := dir.Readdirnames(-1)
	var pids []int
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil || pid == self {
			continue
		}
		if hasTag(pid, needle) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func hasTag(pid int, needle []byte) bool {
	env, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil || len(env) == 0 {
		return false
	}
	// Variables are NUL-terminated; a leading NUL makes the first one
	// match like the others.
	return bytes.Contains(append([]byte{0}, env...), append([]byte{0}, needle...))
}
