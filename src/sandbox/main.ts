// Dev entry for trying the sandbox without the real CLI:
//   npx -y tsx@4 src/sandbox/main.ts up|list|down|inventory|rootfs [names...]
import { down, ensureRootfs, inventoryYaml, list, up } from './index.js';

const [cmd, ...names] = process.argv.slice(2);
const log = (l: string) => console.error(`[sandbox] ${l}`);
try {
  if (cmd === 'up') console.log(inventoryYaml(await up(names, { log })));
  else if (cmd === 'list') for (const h of await list()) console.log(`${h.name}\t${h.address}\tpid ${h.machinePid}`);
  else if (cmd === 'inventory') console.log(inventoryYaml(await list()));
  else if (cmd === 'down') await down(names.length ? names : undefined, { log });
  else if (cmd === 'rootfs') console.log(await ensureRootfs({ log }));
  else { console.error('usage: main.ts up|list|down|inventory|rootfs [names...]'); process.exitCode = 2; }
} catch (e) {
  console.error((e as Error).message);
  process.exitCode = 1;
}
