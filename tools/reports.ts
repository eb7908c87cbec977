/** Report writers added to every render (imported for their registration). */
export {};
