import { register } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { setSourceMapsEnabled } from 'node:process';

const ext = path.extname(new URL(import.meta.url).pathname);
register(`./hooks${ext}`, import.meta.url, { data: { cacheDir: path.join(os.tmpdir(), `tsmpi-ts-${process.getuid?.() ?? 'user'}`) } });
setSourceMapsEnabled(true);
