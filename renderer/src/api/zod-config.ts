// The page's CSP forbids eval, so tell zod not to probe with new Function() (which logs a violation).
// Imported first by main.tsx: the contract's schemas are built as their modules load, and zod decides then.
import { z } from 'zod';

z.config({ jitless: true });
