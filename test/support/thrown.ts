/** What `fn` throws, for a test to inspect its fields (`code`, `exitCode`, `message`, `fix`); undefined when it returns. */
export function thrown(fn: () => unknown): any {
    try {
        fn();
    } catch (err) {
        return err;
    }
    return undefined;
}
