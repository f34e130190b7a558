package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicksPerSecond is USER_HZ, the unit of utime and stime in
// /proc/<pid>/stat; it is 100 on every Linux architecture Go supports.
const clockTicksPerSecond = 100

// parseStatCPU returns utime+stime, in clock ticks, from the text of
// /proc/<pid>/stat. The command name may hold spaces and parentheses, so
// fields are counted from the last ')'.
func parseStatCPU(stat string) (int64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("no command name in %q", stat)
	}
	// After ") " come state (field 3) ... utime (14) and stime (15).
	fields := strings.Fields(stat[i+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("short stat line %q", stat)
	}
	utime, err := strconv.ParseInt(fields[11], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("utime: %w", err)
	}
	stime, err := strconv.ParseInt(fields[12], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("stime: %w", err)
	}
	return utime + stime, nil
}

// processCPU returns the CPU time (user plus system, all threads) a
// process has used so far.
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read cpu time of process %d: %w", pid, err)
	}
	ticks, err := parseStatCPU(string(b))
	if err != nil {
		return 0, fmt.Errorf("process %d: %w", pid, err)
	}
	return time.Duration(ticks) * time.Second / clockTicksPerSecond, nil
}

// statusKiB returns a "<name>: <n> kB" field of /proc/<pid>/status in KiB.
func statusKiB(status, name string) (int64, error) {
	sc := bufio.NewScanner(strings.NewReader(status))
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s: %w", name, err)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("no %s in process status", name)
}

func readStatusKiB(pid int, name string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read status of process %d: %w", pid, err)
	}
	return statusKiB(string(b), name)
}

// peakRSS measures the highest resident set size of a process over a
// phase. It resets the kernel's high-water mark (VmHWM) through
// /proc/<pid>/clear_refs; where that is refused it samples VmRSS every
// 50 ms instead.
type peakRSS struct {
	pid      int
	sampling bool
	stop     context.CancelFunc
	wg       sync.WaitGroup
	mu       sync.Mutex
	maxKiB   int64
}

// startPeakRSS begins measuring the peak RSS of pid.
func startPeakRSS(pid int) *peakRSS {
	p := &peakRSS{pid: pid}
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err == nil {
		return p
	}
	p.sampling = true
	ctx, cancel := context.WithCancel(context.Background())
	p.stop = cancel
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			if kib, err := readStatusKiB(pid, "VmRSS"); err == nil {
				p.mu.Lock()
				p.maxKiB = max(p.maxKiB, kib)
				p.mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

// Finish ends the measurement and returns the peak in MiB.
func (p *peakRSS) Finish() (float64, error) {
	if p.sampling {
		p.stop()
		p.wg.Wait()
		p.mu.Lock()
		defer p.mu.Unlock()
		return float64(p.maxKiB) / 1024, nil
	}
	kib, err := readStatusKiB(p.pid, "VmHWM")
	if err != nil {
		return 0, err
	}
	return float64(kib) / 1024, nil
}

// cpuModel returns the "model name" of /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && string(bytes.TrimSpace(k)) == "model name" {
			return string(bytes.TrimSpace(v))
		}
	}
	return "unknown"
}

// totalMemoryGiB returns MemTotal of /proc/meminfo in GiB.
func totalMemoryGiB() float64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	kib, err := statusKiB(string(b), "MemTotal")
	if err != nil {
		return 0
	}
	return float64(kib) / (1024 * 1024)
}

// loadAverage returns the first three fields of /proc/loadavg (1, 5 and
// 15 minutes), to show how busy the machine was.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
