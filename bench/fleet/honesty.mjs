// The simulation's honesty check: the same playbook run against a real host and against a
// simulated host must give the same plan (every task's type, status, change and message; 0
// changed) and the same number of round trips. Pure: two --report JSON objects in, the
// differences out (none when the simulation is honest).

/** What a run decided on one host, task by task, and what it cost in round trips. */
export function planOf(report) {
  const [host] = Object.values(report.hosts);
  return {
    tasks: host.tasks.map((t) => ({ name: t.name, type: t.type, handler: t.handler, status: t.status, changed: t.changed, message: t.message })),
    changed: host.recap.changed,
    failed: host.recap.failed + host.recap.unreachable,
    roundTrips: host.recap.roundTrips,
  };
}

/** The differences between a real host's plan and a simulated host's, as sentences; [] when they agree. */
export function comparePlans(realReport, simulatedReport) {
  const real = planOf(realReport);
  const sim = planOf(simulatedReport);
  const out = [];
  if (real.changed !== 0) out.push(`the real host's run changed ${real.changed} task(s): not a no-op, so nothing to compare`);
  if (sim.changed !== 0) out.push(`the simulated host's run changed ${sim.changed} task(s)`);
  if (real.failed || sim.failed) out.push(`failed or unreachable: real ${real.failed}, simulated ${sim.failed}`);
  if (real.roundTrips !== sim.roundTrips) out.push(`round trips: real ${real.roundTrips}, simulated ${sim.roundTrips}`);
  if (real.tasks.length !== sim.tasks.length) out.push(`tasks: real ${real.tasks.length}, simulated ${sim.tasks.length}`);
  real.tasks.forEach((t, i) => {
    const s = sim.tasks[i];
    if (s && JSON.stringify(t) !== JSON.stringify(s)) out.push(`task ${i + 1}: real ${JSON.stringify(t)}, simulated ${JSON.stringify(s)}`);
  });
  return out;
}
