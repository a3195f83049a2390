import { Type } from 'typebox';

/** Every error reply: a stable code and a message for people. */
export const ErrorSchema = Type.Object({ error: Type.String(), message: Type.String() });
