#!/usr/bin/env node
// Telltale runs its TypeScript sources directly (Node >= 24 strips types natively).
import '../src/cli/main.ts';
