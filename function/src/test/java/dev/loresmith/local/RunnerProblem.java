package dev.loresmith.local;

/**
 * A failure the user can fix, said in the runner's own words with the way out: printed as two lines (what, then what
 * to do), exit 1, no stack trace — there is nothing in one to read.
 */
final class RunnerProblem extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String remedy;

    RunnerProblem(String problem, String remedy) {
        super(problem, null, false, false);
        this.remedy = remedy;
    }

    String remedy() {
        return remedy;
    }
}
