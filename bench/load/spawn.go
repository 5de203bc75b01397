package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// spawnEmpty starts this program as a child process serving the empty server on a free loopback port
// (--serve-empty 127.0.0.1:0, for at most maxLife) and returns its address and a function that stops it.
// A process of its own keeps the server's Go runtime (scheduler, GC) apart from the load's.
func spawnEmpty(maxLife time.Duration, stderr io.Writer) (addr string, stop func(), err error) {
	exe, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(exe, "--serve-empty", "127.0.0.1:0", "--serve-for", maxLife.String())
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop = func() {
		cmd.Process.Kill() // the child this function started, by its own handle
		cmd.Wait()
	}
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- s
		io.Copy(io.Discard, out)
	}()
	select {
	case s := <-line:
		if a, ok := strings.CutPrefix(strings.TrimSpace(s), "listening "); ok {
			return a, stop, nil
		}
		stop()
		return "", nil, fmt.Errorf("the empty server did not start (it said %q)", s)
	case <-time.After(10 * time.Second):
		stop()
		return "", nil, fmt.Errorf("the empty server did not start within 10s")
	}
}
